"""The problem types of community commerce."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import Conflict


class OutOfStock(Conflict):
    """Fewer left than asked for."""

    code = "out-of-stock"
    title = _l("Out of stock")
    default_detail = _l("There are not enough of these left. Order fewer, or try again later.")


class ListingUnavailable(Conflict):
    """The listing is withdrawn, or its merchant is not verified or is closed."""

    code = "listing-unavailable"
    title = _l("Not available")
    default_detail = _l("This is not available to order now.")


class OrderStateConflict(Conflict):
    """The order is not in a state that allows this step."""

    code = "order-state-conflict"
    title = _l("Not possible now")
    default_detail = _l("The order is not at a step where this can be done.")


class NotReviewable(Conflict):
    """Only a completed order can be reviewed."""

    code = "order-not-reviewable"
    title = _l("Not reviewable yet")
    default_detail = _l("You can review an order once it is completed.")


class AlreadyReviewed(Conflict):
    """One review per order."""

    code = "order-already-reviewed"
    title = _l("Already reviewed")
    default_detail = _l("You have already reviewed this order.")


class CreditCodeTaken(Conflict):
    """A merchant with this unified social credit code is registered already."""

    code = "merchant-already-registered"
    title = _l("Already registered")
    default_detail = _l("A merchant with this unified social credit code is already registered.")


class AlreadyMember(Conflict):
    """The person works for the merchant already."""

    code = "merchant-member-exists"
    title = _l("Already a member")
    default_detail = _l("This person is already a member of the merchant.")


class LastOwner(Conflict):
    """A merchant keeps at least one owner."""

    code = "merchant-last-owner"
    title = _l("The last owner")
    default_detail = _l("A merchant keeps at least one owner: add another owner first.")


class NotACareOrder(Conflict):
    """Only an order of a subsidy-eligible elder-care service is visited and verified at the door."""

    code = "order-not-a-care-service"
    title = _l("Not a care service")
    default_detail = _l("Only an order of a subsidy-eligible elder-care service is verified at the door.")


class VisitNotStarted(Conflict):
    """The end of an order's care visit is scanned after its start."""

    code = "order-visit-not-started"
    title = _l("Visit not started")
    default_detail = _l("Scan the elder's city code at the door when the visit starts, then when it ends.")
