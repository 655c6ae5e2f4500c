"""Orders: placed and paid through the ledger once, stock never oversold, accepted, fulfilled, refunded.

An order of a subsidy-eligible (elder-care) listing for an elder — placed by the elder, or by a family
member under a ``commerce`` mandate — takes what the elder's care voucher can cover when it is placed,
under the voucher's lock and in the order's transaction (never below zero, however many orders at
once); the resident pays only the rest. If the order ends undelivered (its payment failed or was
cancelled, the resident cancelled, the merchant declined or did not answer, the merchant cancelled)
the voucher part goes back to the voucher and the resident's payment is refunded. The voucher part is
paid to the merchant from the subsidy fund through the ledger only when the care visit delivering the
order is verified at the elder's door (``visits``), once per order (purpose
``commerce_subsidy:<order id>``); an order completed with no visit begun gives it back to the voucher.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_babel import gettext

from app.commerce import notices
from app.commerce.errors import ListingUnavailable, OrderStateConflict, OutOfStock
from app.commerce.models import Fulfilment, Listing, Merchant, Order, OrderStatus
from app.commerce.services._shared import (
    ACCEPT_WITHIN,
    DOMAIN,
    MANDATE_SCOPE,
    log,
    member_ids,
    merchant_for_member,
)
from app.core import access, audit
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.errors import NotFound, ValidationFailed
from app.core.models import utcnow
from app.core.money import Money
from app.core.pagination import Page, paginate
from app.core.policy import acting_for
from app.core.views import with_facts
from app.eldercare import services as eldercare
from app.extensions import db
from app.payments import services as payments

SUBSIDY_DOMAIN = "commerce_subsidy"  # the payment purpose: the care subsidy of one completed order


def install() -> None:
    """Register commerce as payment purposes (orders; their care subsidy) and as a voucher redeemer."""
    payments.register_purpose(DOMAIN, MANDATE_SCOPE, on_settled=on_payment_settled)
    payments.register_purpose(SUBSIDY_DOMAIN, MANDATE_SCOPE, on_settled=lambda _outcome: None)
    eldercare.register_voucher_redeemer(SUBSIDY_DOMAIN, "merchant", _merchant_names)


def _merchant_names(merchant_ids) -> dict[str, str]:
    ids = [uuid.UUID(merchant_id) for merchant_id in merchant_ids]
    rows = db.session.execute(db.select(Merchant.id, Merchant.name).where(Merchant.id.in_(ids)))
    return {str(merchant_id): name for merchant_id, name in rows}


def place_order(
    actor: Actor,
    listing_id: uuid.UUID,
    quantity: int,
    fulfilment: str,
    idempotency_key: str,
    *,
    delivery_address: str | None = None,
    note: str = "",
):
    """Order a listing for me (or for the elder I act for) and open its payment; stock is taken at once."""
    person_id = acting_for(actor, MANDATE_SCOPE)
    listing = db.session.get(Listing, listing_id)
    if listing is None or not listing.merchant.verified:
        raise NotFound()
    _check_orderable(listing, fulfilment, delivery_address)
    if listing.stock is not None:
        _take_stock(listing.id, quantity)
    order = Order(
        person_id=person_id,
        placed_by_id=actor.person_id,
        merchant=listing.merchant,
        listing_id=listing.id,
        title=listing.title,
        quantity=quantity,
        unit_price_fen=listing.price_fen,
        amount_fen=listing.price_fen * quantity,
        currency=listing.currency,
        stock_counted=listing.stock is not None,
        fulfilment=fulfilment,
        delivery_address=delivery_address if fulfilment == Fulfilment.DELIVERY else None,
        note=note,
    )
    db.session.add(order)
    db.session.flush()
    if listing.subsidy_eligible:
        order.subsidy_fen = eldercare.take_from_voucher(person_id, order.amount_fen)
        order.voucher_held = order.subsidy_fen > 0
    if order.subsidy_fen == order.amount_fen:  # the voucher pays it all: paid now, nothing to charge
        _mark_paid(order, utcnow())
        return with_facts(order, payment=None)
    intent = payments.create_intent(
        actor,
        person_id,
        payments.Payee("merchant", str(order.merchant_id)),
        order.to_pay,
        payments.Purpose(DOMAIN, (str(order.id),)),
        idempotency_key,
        description=f"{order.merchant.name} {order.title} ×{quantity}",
    )
    order.payment_id = intent.id
    db.session.flush()
    return with_facts(order, payment=intent)


def _check_orderable(listing: Listing, fulfilment: str, delivery_address: str | None) -> None:
    if not listing.active or not listing.merchant.open_at(utcnow()):
        raise ListingUnavailable()
    if fulfilment not in listing.fulfilment:
        raise ValidationFailed(
            {"fulfilment": [gettext("This merchant does not offer that for this listing.")]}
        )
    if fulfilment == Fulfilment.DELIVERY and not (delivery_address or "").strip():
        raise ValidationFailed({"delivery_address": [gettext("Give an address for delivery.")]})


def _take_stock(listing_id: uuid.UUID, quantity: int) -> None:
    """Take ``quantity`` from the stock in one guarded update: never below zero, whoever orders at once."""
    taken = db.session.execute(
        db.update(Listing)
        .where(Listing.id == listing_id, Listing.stock >= quantity)
        .values(stock=Listing.stock - quantity)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise OutOfStock()


def _return_stock(order: Order) -> None:
    if order.stock_counted:
        db.session.execute(
            db.update(Listing)
            .where(Listing.id == order.listing_id)
            .values(stock=Listing.stock + order.quantity)
            .execution_options(synchronize_session=False)
        )
        order.stock_counted = False


def _locked(order_id: uuid.UUID) -> Order | None:
    return db.session.get(Order, order_id, with_for_update=True, populate_existing=True)


def on_payment_settled(outcome) -> None:
    """How an order's payment ended (in the settling transaction): paid, or the order is cancelled."""
    order = _locked(uuid.UUID(outcome.purpose.ids[0]))
    if order is None or order.status != OrderStatus.AWAITING_PAYMENT:
        if order is not None and outcome.status == payments.PaymentStatus.SUCCEEDED:
            log.error(
                "payment %s succeeded for order %s already %s", outcome.intent_id, order.id, order.status
            )
        return
    if outcome.status == payments.PaymentStatus.SUCCEEDED:
        _mark_paid(order, outcome.at)
        return
    _end(order, OrderStatus.CANCELLED, outcome.failure_code or outcome.status)
    notices.order_cancelled(order)


def _mark_paid(order: Order, at: datetime) -> None:
    order.status, order.paid_at = OrderStatus.PAID, at
    order.accept_by = at + ACCEPT_WITHIN
    db.session.flush()
    notices.order_paid(order, member_ids(order.merchant_id))


def _end(order: Order, status: str, reason: str | None) -> None:
    """The order ends undelivered: its stock and its care-voucher part go back."""
    order.status, order.ended_at, order.end_reason = status, utcnow(), (reason or "")[:200] or None
    _return_stock(order)
    if order.voucher_held:
        eldercare.give_back_to_voucher(order.person_id, order.subsidy_fen)
        order.voucher_held = False
    db.session.flush()


def _refund_and_end(order: Order, status: str, why: str, reason: str) -> None:
    """Give the resident's whole payment back, and the voucher its part (once: the order is locked)."""
    if order.payment_id is not None:
        refund = payments.refund(
            Actor.system(), order.payment_id, order.to_pay, reason or why, f"commerce-refund-{order.id}"
        )
        order.refunded_fen = refund.amount_fen
    _end(order, status, reason or why)
    notices.order_refunded(order, why)


def pay_subsidy(order: Order) -> None:
    """The voucher part of a delivered order reaches the merchant from the subsidy fund, once per order."""
    if not order.voucher_held:
        return
    payment = payments.pay_from_subsidy(
        order.person_id,
        payments.Payee("merchant", str(order.merchant_id)),
        Money(order.subsidy_fen, order.currency),
        payments.Purpose(SUBSIDY_DOMAIN, (str(order.id),)),
        f"commerce-subsidy-{order.id}",
        fund=eldercare.SUBSIDY_FUND,
        description=f"{order.merchant.name} {order.title} ×{order.quantity}",
    )
    order.subsidy_payment_id, order.voucher_held = payment.id, False


def _payment_of(order: Order):
    return payments.active_intent_for(DOMAIN, str(order.id)) if order.payment_id else None


# --- the resident -----------------------------------------------------------------------------------


def get_order(actor: Actor, order_id: uuid.UUID):
    """One of my orders (or of the elder I act for), with its payment; 404 for anyone else's."""
    order = access.load_private(actor, Order, order_id, scope=MANDATE_SCOPE, resource="commerce_order")
    return with_facts(order, payment=_payment_of(order))


def list_orders(actor: Actor, *, status: str | None, cursor: str | None, limit: int) -> Page:
    """My orders, newest first, by status when given."""
    person_id = access.list_owner(actor, MANDATE_SCOPE, "commerce_order")
    stmt = db.select(Order).where(Order.person_id == person_id)
    if status is not None:
        stmt = stmt.where(Order.status == status)
    return paginate(stmt, Order.id, cursor=cursor, limit=limit)


def _my_locked_order(actor: Actor, order_id: uuid.UUID, action=AuditAction.CHANGE) -> Order:
    return access.load_private(
        actor, Order, order_id, scope=MANDATE_SCOPE, lock=True, action=action, resource="commerce_order"
    )


def cancel_refusal(order) -> OrderStateConflict | None:
    """Why the resident can no longer cancel the order (None: they can, until the merchant accepts it)."""
    if order.status in (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID):
        return None
    if order.status in (OrderStatus.ACCEPTED, OrderStatus.READY):
        return OrderStateConflict(gettext("The merchant has accepted this order: ask them to cancel it."))
    if order.status == OrderStatus.COMPLETED:
        return OrderStateConflict(gettext("This order is completed: it can no longer be cancelled."))
    return OrderStateConflict(
        gettext("This order has ended already (%(status)s).", status=order.status_label)
    )


def refund_on_cancel(order) -> Money:
    """What cancelling the order now gives back: the resident's whole payment once paid, else nothing."""
    if order.status == OrderStatus.PAID and order.payment_id is not None:
        return order.to_pay
    return Money(0, order.currency)


def cancel_order(actor: Actor, order_id: uuid.UUID):
    """Cancel my order before the merchant accepts it: an unpaid one is closed, a paid one refunded."""
    order = _my_locked_order(actor, order_id)
    refusal = cancel_refusal(order)
    if refusal is not None:
        raise refusal
    if order.status == OrderStatus.AWAITING_PAYMENT:
        payments.cancel_intent(actor, order.payment_id)  # its purpose hears it: the order is cancelled
        db.session.refresh(order)
    else:
        _refund_and_end(order, OrderStatus.CANCELLED, "cancelled", "")
        notices.cancelled_by_resident(order, member_ids(order.merchant_id))
    return with_facts(order, payment=_payment_of(order))


def confirm_received(actor: Actor, order_id: uuid.UUID):
    """I have my order (picked up or delivered): it is completed, and I may review it.

    A subsidised order whose care visit was never begun at the door gives its voucher part back; one
    whose visit is under way keeps it held until the visit's verified end pays the merchant.
    """
    order = _my_locked_order(actor, order_id)
    if order.status != OrderStatus.READY:
        raise OrderStateConflict()
    order.status, order.completed_at = OrderStatus.COMPLETED, utcnow()
    order.ended_at = order.completed_at
    if order.voucher_held and order.visit_id is None:  # no visit at the door: the subsidy is not used
        eldercare.give_back_to_voucher(order.person_id, order.subsidy_fen)
        order.voucher_held = False
        notices.subsidy_unused(order)
    db.session.flush()
    return with_facts(order, payment=_payment_of(order))


# --- the merchant -----------------------------------------------------------------------------------


def merchant_orders(
    actor: Actor, merchant_id: uuid.UUID, *, status: str | None, cursor: str | None, limit: int
) -> Page:
    """The merchant's orders, newest first (its members only; each resident's access log has it)."""
    merchant = merchant_for_member(actor, merchant_id)
    stmt = db.select(Order).where(Order.merchant_id == merchant.id)
    if status is not None:
        stmt = stmt.where(Order.status == status)
    else:
        stmt = stmt.where(Order.status != OrderStatus.AWAITING_PAYMENT)
    page = paginate(stmt, Order.id, cursor=cursor, limit=limit)
    for person_id in sorted({order.person_id for order in page.items}):
        audit.record(actor, person_id, AuditAction.LIST, "commerce_order", reason=f"merchant {merchant.id}")
    return page


def merchant_order(actor: Actor, merchant_id: uuid.UUID, order_id: uuid.UUID, *, lock: bool = False) -> Order:
    """One order of the merchant, for its members (404 for another merchant's); the read is audited."""
    merchant = merchant_for_member(actor, merchant_id)
    order = _locked(order_id) if lock else db.session.get(Order, order_id)
    if order is None or order.merchant_id != merchant.id or order.status == OrderStatus.AWAITING_PAYMENT:
        raise NotFound()
    action = AuditAction.CHANGE if lock else AuditAction.READ
    audit.record(actor, order.person_id, action, "commerce_order", order.id)
    return order


def _step(actor, merchant_id, order_id, allowed: tuple[str, ...]) -> Order:
    order = merchant_order(actor, merchant_id, order_id, lock=True)
    if order.status not in allowed:
        raise OrderStateConflict()
    return order


def accept_order(actor: Actor, merchant_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    """The merchant takes a paid order (before its accept-by time)."""
    order = _step(actor, merchant_id, order_id, (OrderStatus.PAID,))
    order.status, order.accepted_at = OrderStatus.ACCEPTED, utcnow()
    db.session.flush()
    notices.order_accepted(order)
    return order


def decline_order(actor: Actor, merchant_id: uuid.UUID, order_id: uuid.UUID, reason: str) -> Order:
    """The merchant cannot take a paid order: it is declined and the resident refunded in full."""
    order = _step(actor, merchant_id, order_id, (OrderStatus.PAID,))
    _refund_and_end(order, OrderStatus.DECLINED, "declined", reason)
    return order


def mark_ready(actor: Actor, merchant_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    """The order is ready for pick-up, or out for delivery; the resident is told."""
    order = _step(actor, merchant_id, order_id, (OrderStatus.ACCEPTED,))
    order.status, order.ready_at = OrderStatus.READY, utcnow()
    db.session.flush()
    notices.order_ready(order)
    return order


def cancel_by_merchant(actor: Actor, merchant_id: uuid.UUID, order_id: uuid.UUID, reason: str) -> Order:
    """The merchant cannot fulfil an accepted order after all: it is cancelled and refunded in full."""
    order = _step(actor, merchant_id, order_id, (OrderStatus.ACCEPTED, OrderStatus.READY))
    if order.visit_verified_at is not None:
        raise OrderStateConflict(
            gettext("The care visit was verified at the door: this order was delivered.")
        )
    _refund_and_end(order, OrderStatus.REFUNDED, "merchant_cancelled", reason)
    return order


def decline_unanswered(now: datetime | None = None, batch: int = 100) -> int:
    """Paid orders the merchant did not accept by their time: declined and refunded (idempotent)."""
    now = now or utcnow()
    ids = list(
        db.session.scalars(
            db.select(Order.id)
            .where(Order.status == OrderStatus.PAID, Order.accept_by < now)
            .order_by(Order.accept_by)
            .limit(batch)
        )
    )
    declined = 0
    for order_id in ids:
        order = _locked(order_id)
        if order.status == OrderStatus.PAID and order.accept_by < now:
            _refund_and_end(order, OrderStatus.DECLINED, "timed_out", "")
            declined += 1
    return declined
