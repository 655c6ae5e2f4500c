"""The problem types of transit rides."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import AppError, Conflict, NotFound


class UnknownGate(NotFound):
    """No gate has this code, or it is operated by another scanner."""

    code = "unknown-gate"
    title = _l("Unknown gate")
    default_detail = _l("No gate with this code is operated by this scanner.")


class TapTimeRefused(AppError):
    """An offline tap claims a moment in the future or too long ago to be uploaded."""

    status, code = 422, "tap-time-refused"
    title = _l("Tap time refused")
    default_detail = _l("An offline tap must be uploaded within 7 days, and never dated in the future.")


class NothingToPay(NotFound):
    """The rider has no unpaid trip."""

    code = "nothing-to-pay"
    title = _l("Nothing to pay")
    default_detail = _l("You have no unpaid trips.")


class FareNotDisputable(Conflict):
    """Only a trip whose fare was paid can be disputed (an unpaid one is not charged yet)."""

    code = "fare-not-disputable"
    title = _l("Fare cannot be disputed")
    default_detail = _l("Only a trip whose fare was paid can be disputed.")


class FareDisputeExists(Conflict):
    """The trip's fare is already disputed."""

    code = "fare-dispute-exists"
    title = _l("Fare already disputed")
    default_detail = _l("This trip's fare is already disputed; its dispute shows how it stands.")


class FareDisputeDecided(Conflict):
    """The dispute was already decided."""

    code = "fare-dispute-decided"
    title = _l("Dispute already decided")
    default_detail = _l("This fare dispute has already been decided.")
