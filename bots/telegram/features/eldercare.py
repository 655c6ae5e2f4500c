"""Elder care (智慧养老): the daily check-in and the SOS, each one big button; who is coming.

A guardian whose chat acts for the elder under an elder-care mandate (``/actfor``) presses the same
buttons for them; every reply then begins with the mandate banner, as every reply of such a chat does.
"""

from __future__ import annotations

from flask_babel import format_time, gettext

from app.core.calendar import business_date
from app.eldercare import services as eldercare
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import Reply, uuid_of

NOTE = "telegram"  # what the alert's note says about where it was raised


def _buttons(alert=None) -> list:
    rows = [
        [(gettext("✅ I am fine today"), "checkin:")],
        [(gettext("🆘 SOS: call for help"), "sos:")],
    ]
    if alert is not None and alert.status == "open":
        rows.append([(gettext("It was a false alarm"), "sosoff:" + alert.id.hex)])
    return rows


def _open_alert(turn: Turn):
    alerts = eldercare.list_alerts(turn.resident, active=True, cursor=None, limit=1).items
    return alerts[0] if alerts else None


def _alert_lines(alert) -> list[str]:
    lines = [gettext("%(kind)s: %(status)s", kind=alert.kind_label, status=alert.status_label)]
    if alert.responder_name:
        lines.append(
            gettext(
                "%(name)s is coming, in about %(minutes)s minutes.",
                name=alert.responder_name,
                minutes=alert.eta_minutes or 0,
            )
        )
    elif alert.status == "open":
        lines.append(
            gettext("Your family, your contacts and the centre are being called until someone answers.")
        )
    return lines


def panel(turn: Turn, _arguments: str) -> Reply:
    """``/care``: today's check-in, an open call for help, and the two big buttons."""
    actor = turn.resident
    eldercare.my_profile(actor)  # 404 without a care profile: the same refusal as the app
    days = eldercare.list_checkins(actor, cursor=None, limit=1).items
    today = days[0] if days and days[0].day == business_date() else None
    if today is not None and today.checked_in_at is not None:
        lines = [gettext("Checked in today at %(time)s.", time=format_time(today.checked_in_at, "short"))]
    else:
        lines = [gettext("Not checked in yet today.")]
    alert = _open_alert(turn)
    if alert is not None:
        lines += _alert_lines(alert)
    return Reply("\n".join(lines), _buttons(alert))


def check_in(turn: Turn, _argument: str) -> Reply:
    """The big I am fine button: today's check-in (a missed-check-in call nobody answered is called off)."""
    row = eldercare.check_in(turn.resident, source="bot")
    text = gettext(
        "Thank you. Checked in at %(time)s; your family can see all is well today.",
        time=format_time(row.checked_in_at, "short"),
    )
    return Reply(text, _buttons(_open_alert(turn)))


def sos(turn: Turn, _argument: str) -> Reply:
    """The big SOS button: at once, the first rung of the ladder is called (a second press joins it)."""
    alert = eldercare.raise_sos(turn.resident, source="bot", note=NOTE)
    lines = [gettext("Help is being called. Stay where you are; I will tell you here who is coming.")]
    lines += _alert_lines(alert)
    return Reply("\n".join(lines), _buttons(alert))


def call_off(turn: Turn, argument: str) -> Reply:
    """It was a false alarm: an SOS nobody has answered yet is called off (after that, it is resolved)."""
    alert = eldercare.resolve(turn.resident, uuid_of(argument), outcome="false_alarm", note=NOTE)
    if alert.status == "cancelled":
        return Reply(gettext("Called off. Nobody will come."), _buttons())
    return Reply(gettext("Closed. The person who answered has been told."), _buttons())


FEATURE = Feature(
    name="eldercare",
    domain="eldercare",
    commands={"care": panel, "sos": sos, "fine": check_in},
    buttons={"care": panel, "checkin": check_in, "sos": sos, "sosoff": call_off},
    help=lambda: gettext("/care daily check-in and SOS · /fine I am fine today · /sos call for help now"),
    menu=(lambda: gettext("Elder care"), "care:"),
    opens={"eldercare": "care:"},
)
