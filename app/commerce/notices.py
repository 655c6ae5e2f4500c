"""What community commerce tells residents and merchants at each step of an order, each exactly once."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from app.commerce.models import Merchant, Order
from app.core.i18n import in_every_locale
from app.notifications import services as notifications
from app.notifications.services import Localized

TOPIC = "commerce"

notifications.register_topic(TOPIC, label=_l("Orders"), default_channels=("sms", "telegram"))
notifications.register_template(
    "commerce_order_paid",
    topic=TOPIC,
    title=_l("Order placed"),
    body=_l(
        "Your order of %(item)s from %(merchant)s (%(amount)s) is paid; the merchant will confirm it soon."
    ),
)
notifications.register_template(
    "commerce_new_order",
    topic=TOPIC,
    title=_l("New order"),
    body=_l("New order: %(quantity)s × %(item)s (%(amount)s, %(fulfilment)s). Accept it by %(accept_by)s."),
)
notifications.register_template(
    "commerce_order_accepted",
    topic=TOPIC,
    title=_l("Order accepted"),
    body=_l("%(merchant)s accepted your order of %(item)s and is preparing it."),
)
notifications.register_template(
    "commerce_order_ready",
    topic=TOPIC,
    title=_l("Order ready"),
    body=_l("Your order of %(item)s from %(merchant)s is ready (%(fulfilment)s)."),
)
notifications.register_template(
    "commerce_order_refunded",
    topic=TOPIC,
    title=_l("Order refunded"),
    body=_l("Your order of %(item)s from %(merchant)s was %(what)s; %(amount)s is on its way back to you."),
)
notifications.register_template(
    "commerce_order_refunded_voucher",
    topic=TOPIC,
    title=_l("Order refunded"),
    body=_l(
        "Your order of %(item)s from %(merchant)s was %(what)s; %(amount)s is on its way back to you and "
        "%(subsidy)s is back on the care voucher."
    ),
)
notifications.register_template(
    "commerce_order_voucher_returned",
    topic=TOPIC,
    title=_l("Order cancelled"),
    body=_l(
        "Your order of %(item)s from %(merchant)s was %(what)s; %(subsidy)s is back on the care voucher."
    ),
)
notifications.register_template(
    "commerce_order_subsidy_unused",
    topic=TOPIC,
    title=_l("Care voucher not used"),
    body=_l(
        "Your order of %(item)s from %(merchant)s was completed without a care visit verified at your door, "
        "so the care voucher paid nothing for it: %(subsidy)s is back on the voucher."
    ),
)
notifications.register_template(
    "commerce_order_cancelled",
    topic=TOPIC,
    title=_l("Order cancelled"),
    body=_l("Your order of %(item)s from %(merchant)s was cancelled. Nothing was charged."),
)
notifications.register_template(
    "commerce_order_cancelled_by_resident",
    topic=TOPIC,
    title=_l("Order cancelled"),
    body=_l("The resident cancelled the order of %(quantity)s × %(item)s."),
)
notifications.register_template(
    "commerce_merchant_decided",
    topic=TOPIC,
    title=_l("Merchant registration reviewed"),
    body=_l("The street office %(decision)s %(merchant)s. %(note)s"),
)

notifications.register_template(
    "commerce_order_complained",
    topic=TOPIC,
    title=_l("Complaint to 12345"),
    body=_l(
        "A resident complained to 12345 about the order of %(quantity)s × %(item)s (complaint %(number)s); "
        "market supervision will contact you."
    ),
)

FULFILMENT_LABELS = {"pickup": _l("pick-up"), "delivery": _l("delivery")}
REFUND_REASONS = {
    "declined": _l("declined by the merchant"),
    "timed_out": _l("not accepted in time"),
    "cancelled": _l("cancelled at your request"),
    "merchant_cancelled": _l("cancelled by the merchant"),
}
DECISIONS = {"verified": _l("verified"), "rejected": _l("did not verify")}


def _texts(label) -> Localized:
    return Localized(in_every_locale(label))


def _order_params(order: Order) -> dict:
    return {"item": order.title, "merchant": order.merchant.name, "amount": order.amount}


def order_paid(order: Order, members: Iterable) -> None:
    """The resident's order is paid; every member of the merchant hears of a new order."""
    notifications.notify(
        order.person_id,
        "commerce_order_paid",
        _order_params(order),
        topic=TOPIC,
        dedupe_key=f"commerce:paid:{order.id}",
    )
    params = {
        "quantity": order.quantity,
        "item": order.title,
        "amount": order.amount,
        "fulfilment": _texts(FULFILMENT_LABELS[order.fulfilment]),
        "accept_by": order.accept_by,
    }
    for member_id in members:
        notifications.notify(
            member_id,
            "commerce_new_order",
            params,
            topic=TOPIC,
            dedupe_key=f"commerce:new:{order.id}:{member_id}",
        )


def order_accepted(order: Order) -> None:
    """The merchant took the order."""
    notifications.notify(
        order.person_id,
        "commerce_order_accepted",
        _order_params(order),
        topic=TOPIC,
        dedupe_key=f"commerce:accepted:{order.id}",
    )


def order_ready(order: Order) -> None:
    """Ready for pick-up, or out for delivery."""
    params = {**_order_params(order), "fulfilment": _texts(FULFILMENT_LABELS[order.fulfilment])}
    notifications.notify(
        order.person_id, "commerce_order_ready", params, topic=TOPIC, dedupe_key=f"commerce:ready:{order.id}"
    )


def subsidy_unused(order: Order) -> None:
    """A subsidised order was completed with no visit verified at the door: its voucher part is back."""
    notifications.notify(
        order.person_id,
        "commerce_order_subsidy_unused",
        {**_order_params(order), "subsidy": order.subsidy},
        topic=TOPIC,
        dedupe_key=f"commerce:subsidy-unused:{order.id}",
    )


def order_refunded(order: Order, why: str) -> None:
    """The order ended; its payment (and care-voucher part) is given back (``why``: in REFUND_REASONS)."""
    params = {**_order_params(order), "amount": order.refunded, "what": _texts(REFUND_REASONS[why])}
    template = "commerce_order_refunded"
    if order.subsidy_fen:
        params["subsidy"] = order.subsidy
        template = (
            "commerce_order_refunded_voucher" if order.refunded_fen else "commerce_order_voucher_returned"
        )
    notifications.notify(
        order.person_id,
        template,
        params,
        topic=TOPIC,
        dedupe_key=f"commerce:refunded:{order.id}",
    )


def order_cancelled(order: Order) -> None:
    """The order ended before anything was charged."""
    notifications.notify(
        order.person_id,
        "commerce_order_cancelled",
        _order_params(order),
        topic=TOPIC,
        dedupe_key=f"commerce:cancelled:{order.id}",
    )


def cancelled_by_resident(order: Order, members: Iterable) -> None:
    """The merchant's members hear that a paid order was withdrawn before they accepted it."""
    params = {"quantity": order.quantity, "item": order.title}
    for member_id in members:
        notifications.notify(
            member_id,
            "commerce_order_cancelled_by_resident",
            params,
            topic=TOPIC,
            dedupe_key=f"commerce:withdrawn:{order.id}:{member_id}",
        )


def merchant_decided(merchant: Merchant, members: Iterable) -> None:
    """The merchant's owners hear whether the street office verified it."""
    params = {
        "decision": _texts(DECISIONS[merchant.status]),
        "merchant": merchant.name,
        "note": merchant.decision_note or "",
    }
    for member_id in members:
        notifications.notify(
            member_id,
            "commerce_merchant_decided",
            params,
            topic=TOPIC,
            dedupe_key=f"commerce:decided:{merchant.id}:{merchant.status}:{member_id}",
        )


def order_complained(order: Order, members: Iterable) -> None:
    """The merchant's members hear that a resident took an order to 12345 (once per order)."""
    params = {"quantity": order.quantity, "item": order.title, "number": order.complaint_tracking_number}
    for member_id in members:
        notifications.notify(
            member_id,
            "commerce_order_complained",
            params,
            topic=TOPIC,
            dedupe_key=f"commerce:complained:{order.id}:{member_id}",
        )
