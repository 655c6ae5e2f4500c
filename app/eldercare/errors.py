"""The problem types of elder care."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import AppError, Conflict, Forbidden, NotFound


class NotAnElder(AppError):
    """Elder-care profiles are for residents of the set age (from their verified national ID)."""

    status, code = 409, "not-an-elder"
    title = _l("Not an elder")
    default_detail = _l("Elder care is for residents aged 60 and over, by their verified national ID.")


class ElderRealNameRequired(AppError):
    """The age comes from the verified national ID: real-name verification comes first."""

    status, code = 409, "elder-real-name-required"
    title = _l("Real-name verification needed")
    default_detail = _l("Elder care needs your age from your national ID. Verify your real name first.")


class NoElderProfile(NotFound):
    """The elder has no care profile yet."""

    code = "no-elder-profile"
    title = _l("No elder-care profile")
    default_detail = _l("There is no elder-care profile yet. Create one first.")


class AlreadyAcknowledged(Conflict):
    """Someone else answered the alert first; they are coming."""

    code = "alert-already-acknowledged"
    title = _l("Already answered")
    default_detail = _l("Someone else has already answered this alert and is on the way.")


class AlertClosed(Conflict):
    """The alert is resolved or called off: nothing more to do."""

    code = "alert-closed"
    title = _l("Alert closed")
    default_detail = _l("This alert is already resolved or called off.")


class AlertNotAcknowledged(Conflict):
    """Arrival comes after someone has answered the alert."""

    code = "alert-not-acknowledged"
    title = _l("Not answered yet")
    default_detail = _l("Answer the alert before recording an arrival.")


class NotTheResponder(Forbidden):
    """Only the person who answered the alert records their arrival."""

    code = "not-the-responder"
    title = _l("Not the responder")
    default_detail = _l("Only the person who answered this alert records arriving.")


class UnknownDevice(NotFound):
    """No device with this serial is registered to an elder under the calling platform."""

    code = "unknown-care-device"
    title = _l("Unknown device")
    default_detail = _l("No device with this serial is registered under your platform.")


class VisitScanRefused(AppError):
    """A care visit is verified by the elder's city code scanned at the door; this scan was not valid."""

    status, code = 422, "visit-scan-refused"
    title = _l("Visit not verified")
    default_detail = _l("Scan the elder's own city code at their door (ask them to refresh it).")


class VisitScanMismatch(AppError):
    """The end of a visit was scanned from another person's code than its start."""

    status, code = 422, "visit-scan-mismatch"
    title = _l("Another person's code")
    default_detail = _l("The visit ends with the code of the elder it started with.")


class VisitAlreadyEnded(Conflict):
    """The visit was already verified at its end."""

    code = "visit-already-ended"
    title = _l("Visit already ended")
    default_detail = _l("This visit has already been verified and paid.")


class VisitLapsed(Conflict):
    """The visit was begun and not verified at its end in time: it lapsed and is never paid."""

    code = "visit-lapsed"
    title = _l("Visit lapsed")
    default_detail = _l(
        "This visit was begun too long ago without being verified at its end; it lapsed and is not paid."
    )
