"""The problem types of social security and the housing fund."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import AppError, Forbidden, NotFound, ServiceUnavailable


class NotAnInstitution(Forbidden):
    """The caller is not the social-security bureau's or the housing-fund centre's client."""

    code = "not-a-records-institution"
    title = _l("Not a records institution")
    default_detail = _l("Only the social-security bureau and the housing-fund centre send these records.")


class RealNameRequired(AppError):
    """Records are found by national ID: the resident must verify their real name first."""

    status, code = 409, "real-name-required"
    title = _l("Real-name verification needed")
    default_detail = _l(
        "Your social insurance and housing-fund records are found by your national ID number. "
        "Verify your real name first."
    )


class NoRecords(NotFound):
    """Nothing is held for this resident (yet), so there is nothing to certify."""

    code = "no-records"
    title = _l("No records")
    default_detail = _l("No social insurance or housing-fund records are held for you yet.")


class CertificateNotVerified(NotFound):
    """No certificate has this code, or its signature does not match what it certifies."""

    code = "certificate-not-verified"
    title = _l("Certificate not verified")
    default_detail = _l(
        "No certificate matches this verification code. The certificate may have been altered."
    )


class FontMissing(ServiceUnavailable):
    """The PDF needs a CJK font, and none is installed."""

    code = "certificate-font-missing"
    title = _l("Certificates unavailable")
    default_detail = _l("Certificates cannot be printed right now. Please try again later.")
