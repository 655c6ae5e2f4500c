"""Social insurance and the housing fund (社保公积金): where I stand, at a glance."""

from __future__ import annotations

from flask_babel import format_date, gettext

from app.social_security import services as social_security
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import Reply, money

KINDS = ("contribution", "housing_fund")
CERTIFICATE_MONTHS = 12


def show_summary(turn: Turn, _arguments: str) -> Reply:
    """``/insurance``: each scheme's status and months paid, account balances, as of when."""
    summary = social_security.my_summary(turn.resident)
    if not summary.schemes and not summary.accounts:
        return Reply(gettext("No insurance or housing-fund records are held for you yet."))
    lines = [gettext("Insured: %(name)s (%(id)s)", name=summary.name, id=summary.national_id)]
    for item in summary.schemes:
        status = item.status_label or gettext("no status")
        line = gettext(
            "• %(scheme)s: %(status)s, %(months)s months paid (%(continuous)s in a row)",
            scheme=item.scheme_label,
            status=status,
            months=item.months_paid,
            continuous=item.continuous_months,
        )
        if item.last_month:
            line += " · " + gettext("last %(month)s", month=item.last_month)
        lines.append(line)
    for account in summary.accounts:
        lines.append(
            gettext(
                "• %(scheme)s account: %(balance)s",
                scheme=account.scheme_label,
                balance=money(account.balance),
            )
        )
    if summary.as_of:
        lines.append(gettext("As of %(date)s.", date=format_date(summary.as_of, "medium")))
    buttons = [
        [(gettext("Certificate of contributions (PDF)"), "cert:contribution")],
        [(gettext("Housing-fund certificate (PDF)"), "cert:housing_fund")],
    ]
    return Reply("\n".join(lines), buttons)


def send_certificate(turn: Turn, kind: str) -> Reply:
    """A certificate button: issue one over the last twelve months and send it as a PDF document."""
    if kind not in KINDS:
        return Reply(gettext("That button is no longer in use. Send /menu to start again."), ok=False)
    certificate = social_security.issue(turn.resident, kind, CERTIFICATE_MONTHS)
    document = social_security.certificate_pdf(turn.resident, certificate.id)
    caption = gettext(
        "Valid until %(date)s. Anyone can check it with the code %(code)s.",
        date=format_date(certificate.valid_until, "medium"),
        code=certificate.code,
    )
    return Reply(caption, document=document)


FEATURE = Feature(
    name="social_security",
    domain="social_security",
    commands={"insurance": show_summary},
    buttons={"insurance": show_summary, "cert": send_certificate},
    help=lambda: gettext("/insurance my social insurance and housing fund, certificates as PDF"),
    menu=(lambda: gettext("Social security"), "insurance:"),
    opens={"social_security": "insurance:"},
)
