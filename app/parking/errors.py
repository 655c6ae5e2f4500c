"""The problem types of parking and traffic violations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import AppError, Conflict, Forbidden


class NotTheOperator(Forbidden):
    """The client does not run this lot (or any lot)."""

    code = "not-the-lot-operator"
    title = _l("Not this lot's operator")
    default_detail = _l("This client does not operate the lot.")


class PlateAlreadyBound(Conflict):
    """Someone (perhaps the resident) already holds this plate here."""

    code = "plate-already-bound"
    title = _l("Plate already bound")
    default_detail = _l("This plate is already bound to an account. Contact the operator if it is yours.")


class PlateNotConfirmed(AppError):
    """The vehicle registry did not confirm that the named holder holds the plate."""

    status, code = 422, "plate-not-confirmed"
    title = _l("Plate not confirmed")
    default_detail = _l("The vehicle registry could not confirm this plate under this name.")


class NothingToPay(Conflict):
    """The session or fine owes nothing (free, paid, still parked or withdrawn)."""

    code = "nothing-to-pay"
    title = _l("Nothing to pay")
    default_detail = _l("There is nothing to pay for this.")


class AnomalyResolved(Conflict):
    """The anomaly was resolved already."""

    code = "anomaly-resolved"
    title = _l("Already resolved")
    default_detail = _l("This anomaly was resolved already.")


class EventIdReused(Conflict):
    """A gate event id came again with other contents."""

    code = "gate-event-id-reused"
    title = _l("Event id reused")
    default_detail = _l("This event id was already used for another event.")


class CityCodeRefused(AppError):
    """The city code shown at the gate was not accepted (expired, used, revoked, forged)."""

    status, code = 422, "city-code-refused"
    title = _l("City code not accepted")
    default_detail = _l("The city code was not accepted. Ask the driver to refresh it.")


class ViolationUnderReview(Conflict):
    """The driver appealed the violation: it is neither paid nor charged a late fee until decided."""

    code = "violation-under-review"
    title = _l("Under review")
    default_detail = _l("This violation is being reviewed on your appeal; it can be paid once decided.")


class AppealClosed(Conflict):
    """Only an unpaid violation is appealed, once; only an open appeal is decided."""

    code = "appeal-closed"
    title = _l("Appeal not possible")
    default_detail = _l("Only an unpaid violation can be appealed, and only once.")


class TariffVersionInEffect(Conflict):
    """The tariff version took effect already: it is part of what stays were priced by."""

    code = "tariff-version-in-effect"
    title = _l("Tariff already in effect")
    default_detail = _l("This tariff version took effect already; publish a new one instead.")
