"""A certificate as PDF (fpdf2), in the reader's language, with its QR verification code (segno).

Chinese needs a CJK font embedded: ``SOCIAL_SECURITY_CJK_FONT`` names one, else the first of
Debian's ``fonts-wqy-zenhei`` / ``fonts-noto-cjk`` found is used (fpdf2 embeds only the glyphs a
certificate uses). Without any, printing is refused with a 503 problem, never boxes.
"""

from __future__ import annotations

import io
import logging
from datetime import date, datetime
from pathlib import Path

import segno
from babel.dates import format_date
from flask import current_app
from flask_babel import gettext
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from app.core.calendar import SHANGHAI
from app.core.i18n import current_locale
from app.core.money import Money
from app.social_security.errors import FontMissing
from app.social_security.models import SCHEME_LABELS, STATUS_LABELS, Certificate, CertificateKind, label

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
BABEL_LOCALES = {"zh_Hans": "zh_Hans_CN", "zh_Hant": "zh_Hant_TW", "en": "en"}
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "BDF NOT subset" on every embed


def font_path() -> Path:
    """The CJK font to embed (503 when none is installed)."""
    configured = current_app.config.get("SOCIAL_SECURITY_CJK_FONT")
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing()


def _locale() -> str:
    return BABEL_LOCALES.get(current_locale(), "zh_Hans_CN")


def _day(value: str | date | None) -> str:
    if not value:
        return "—"
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, "long", locale=_locale())


def _money(fen: int | None) -> str:
    return "—" if fen is None else Money(fen).format(_locale())


class CertificatePdf(FPDF):
    """A4 portrait, one CJK font, the code and QR at the foot of the page."""

    def __init__(self, font: Path):
        super().__init__(orientation="P", unit="mm", format="A4")
        options = {"collection_font_number": 0} if font.suffix.lower() == ".ttc" else {}
        self.add_font("cjk", fname=str(font), **options)
        self.set_auto_page_break(auto=True, margin=20)
        self.add_page()
        self.set_font("cjk", size=11)

    def text_line(self, text: str, *, size: float = 11, height: float = 7, align: str = "L") -> None:
        """One line of text across the page."""
        self.set_font("cjk", size=size)
        self.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def pair(self, name: str, value: str) -> None:
        """A labelled fact."""
        self.set_font("cjk", size=11)
        self.cell(55, 7, name, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.multi_cell(0, 7, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render(certificate: Certificate, verify_url: str) -> bytes:
    """The certificate as PDF bytes, in the reader's language."""
    pdf = CertificatePdf(font_path())
    facts = certificate.facts
    pdf.set_title(certificate.kind_label)
    pdf.text_line(certificate.kind_label, size=18, height=12, align="C")
    issued = certificate.issued_at.astimezone(SHANGHAI).date()
    pdf.text_line(gettext("Issued through Yimatong on %(date)s", date=_day(issued)), size=9, align="C")
    pdf.ln(4)
    pdf.pair(gettext("Name"), facts["name"])
    pdf.pair(gettext("National ID"), facts["national_id"])
    window = facts["window"]
    pdf.pair(gettext("Period covered"), f"{window['from']} – {window['to']}")
    pdf.ln(3)
    if certificate.kind == CertificateKind.CONTRIBUTION:
        _contributions(pdf, facts)
    else:
        _housing_fund(pdf, facts)
    pdf.ln(4)
    if facts.get("as_of"):
        as_of = datetime.fromisoformat(facts["as_of"]).astimezone(SHANGHAI).date()
        pdf.text_line(gettext("Records as held by the institutions on %(date)s.", date=_day(as_of)), size=9)
    _verification(pdf, certificate, verify_url)
    return bytes(pdf.output())


def _contributions(pdf: CertificatePdf, facts: dict) -> None:
    headings = (
        gettext("Scheme"),
        gettext("Status"),
        gettext("Since"),
        gettext("Months paid"),
        gettext("In this period"),
        gettext("Last month"),
    )
    pdf.set_font("cjk", size=10)
    heading = FontFace(emphasis="", fill_color=(235, 235, 235))
    with pdf.table(
        col_widths=(34, 24, 36, 24, 26, 26), text_align="LEFT", line_height=7, headings_style=heading
    ) as table:
        table.row(headings)
        for item in facts["schemes"]:
            table.row(
                (
                    label(SCHEME_LABELS, item["scheme"]),
                    label(STATUS_LABELS, item["status"]),
                    _day(item["since"]),
                    str(item["months_paid"]),
                    f"{item['months_in_window']} / {facts['window']['months']}",
                    item["last_month"] or "—",
                )
            )
    employers = sorted({item["employer_name"] for item in facts["schemes"] if item.get("employer_name")})
    if employers:
        pdf.ln(3)
        pdf.pair(gettext("Paying unit"), "、".join(employers) if _locale() != "en" else ", ".join(employers))


def _housing_fund(pdf: CertificatePdf, facts: dict) -> None:
    pdf.pair(gettext("Account status"), label(STATUS_LABELS, facts["status"]))
    pdf.pair(gettext("Since"), _day(facts["since"]))
    pdf.pair(gettext("Paying unit"), facts.get("employer_name") or "—")
    pdf.pair(gettext("Deposits since"), facts.get("first_month") or "—")
    pdf.pair(gettext("Months deposited"), str(facts["months_paid"]))
    pdf.pair(gettext("In this period"), f"{facts['months_in_window']} / {facts['window']['months']}")
    pdf.pair(gettext("Deposit base"), _money(facts.get("base_fen")))
    pdf.pair(
        gettext("Monthly deposit"),
        gettext(
            "%(total)s (employer %(employer)s, personal %(personal)s)",
            total=_money(facts.get("monthly_deposit_fen")),
            employer=_money(facts.get("employer_fen")),
            personal=_money(facts.get("personal_fen")),
        ),
    )
    balance = _money(facts.get("balance_fen"))
    if facts.get("balance_on"):
        balance = gettext("%(amount)s on %(date)s", amount=balance, date=_day(facts["balance_on"]))
    pdf.pair(gettext("Balance"), balance)
    if facts.get("loan_owed_fen") is not None:
        pdf.pair(gettext("Housing-fund loan owed"), _money(facts["loan_owed_fen"]))


def _verification(pdf: CertificatePdf, certificate: Certificate, verify_url: str) -> None:
    qr = segno.make(verify_url, error="m")
    image = io.BytesIO()
    qr.save(image, kind="png", scale=6, border=2)
    image.seek(0)
    top = max(pdf.get_y() + 6, 225)
    pdf.image(image, x=pdf.l_margin, y=top, w=40, h=40)
    pdf.set_xy(pdf.l_margin + 46, top + 2)
    pdf.set_font("cjk", size=10)
    pdf.multi_cell(0, 6, gettext("Verification code"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(pdf.l_margin + 46)
    pdf.set_font("cjk", size=13)
    pdf.multi_cell(0, 8, certificate.code, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(pdf.l_margin + 46)
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(
        0,
        5,
        gettext(
            "Scan the code, or enter it at %(url)s, to check this certificate. Valid until %(date)s.",
            url=verify_url.split("?")[0],
            date=_day(certificate.valid_until),
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
