"""Identity's problem types: sign-in codes, link codes, the city code's online check."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import AppError, ServiceUnavailable

REPLAY_RETRY_SECONDS = 5  # a gate retries the online check this soon (it verifies offline meanwhile)


class CodeRejected(AppError):
    """The sign-in code is wrong, used, or expired; the attempt is counted."""

    status, code = 400, "otp-rejected"
    title = _l("Sign-in code not accepted")
    default_detail = _l("The code is wrong or has expired. Check it or ask for a new one.")


class LinkCodeRejected(AppError):
    """A link code that is wrong, used or expired."""

    status, code = 400, "link-code-rejected"
    title = _l("Link code not accepted")
    default_detail = _l(
        "The link code is wrong, was already used or has expired. Ask for a new one in the app."
    )


class ReplayCheckUnavailable(ServiceUnavailable):
    """The replay store cannot be reached: the online check fails closed (the gate verifies offline)."""

    code = "citycode-check-unavailable"
    title = _l("Online check unavailable")
    default_detail = _l(
        "The city code cannot be checked online right now. Verify it offline, or try again shortly."
    )

    def __init__(self):
        super().__init__(headers={"Retry-After": str(REPLAY_RETRY_SECONDS)})
