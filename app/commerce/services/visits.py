"""The care visit of an elder-care order, verified at the elder's door by the merchant's staff (EVV).

A subsidy-eligible order's voucher part is held from the moment it is placed; it moves to the merchant
only when the visit delivering the order is verified: a member of the merchant (owner or staff, signed
in with their own token, as for every step of an order) scans the elder's city code at the door when
the visit starts and again when it ends. The scans are elder care's visit verification
(``eldercare.begin_visit`` / ``finish_visit``, purpose ``care_visit``, the merchant named in the elder's
scan log), so the six facts of the visit are recorded exactly as a care provider's terminal records
them. The end runs under the order's lock, then the visit's: two end scans at once pay once.

A visit begun and not verified within ``COMMERCE_VISIT_LAPSE_HOURS`` of the elder confirming her order
lapses (:func:`release_lapsed_subsidies`, the commerce sweep): its end scan is refused from then on, the
voucher part held for it goes back to her voucher, and she is told, as for an order completed with no
visit at all.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import current_app

from app.commerce import notices
from app.commerce.errors import NotACareOrder, OrderStateConflict, VisitNotStarted
from app.commerce.models import Listing, Merchant, Order, OrderStatus
from app.commerce.services.orders import _locked, merchant_order, pay_subsidy
from app.core.actors import Actor
from app.core.geo import Point
from app.core.models import utcnow
from app.eldercare import services as eldercare
from app.extensions import db

VISITABLE = (OrderStatus.ACCEPTED, OrderStatus.READY)  # the order is being delivered
# The end may come after the resident confirmed (the caregiver scans out on leaving).
ENDABLE = (OrderStatus.ACCEPTED, OrderStatus.READY, OrderStatus.COMPLETED)


def _provider(merchant: Merchant) -> eldercare.VisitProvider:
    return eldercare.VisitProvider("merchant", str(merchant.id), merchant.name)


def start_order_visit(
    actor: Actor,
    merchant_id: uuid.UUID,
    order_id: uuid.UUID,
    *,
    service: str,
    caregiver: str,
    code: str,
    location: Point,
    notes: str = "",
) -> Order:
    """At the door: the elder's code scanned starts the order's care visit (asked again: the same visit)."""
    order = merchant_order(actor, merchant_id, order_id, lock=True)
    listing = db.session.get(Listing, order.listing_id)
    if listing is None or not listing.subsidy_eligible:
        raise NotACareOrder()
    if order.visit_id is None and order.status not in VISITABLE:
        raise OrderStateConflict()
    visit, _ = eldercare.begin_visit(
        actor, _provider(order.merchant), visit_ref=f"order-{order.id}", service=service,
        caregiver=caregiver, code=code, location=location, notes=notes, recipient_id=order.person_id,
        order_id=order.id,
    )  # fmt: skip
    order.visit_id = visit.id
    db.session.flush()
    return order


def end_order_visit(
    actor: Actor, merchant_id: uuid.UUID, order_id: uuid.UUID, *, code: str, location: Point
) -> Order:
    """Leaving: the same elder's code scanned again verifies the visit; the held subsidy is paid, once."""
    order = merchant_order(actor, merchant_id, order_id, lock=True)
    if order.visit_id is None:
        raise VisitNotStarted()
    if order.status not in ENDABLE:
        raise OrderStateConflict()
    visit = eldercare.finish_visit(
        actor, _provider(order.merchant), order.visit_id, code=code, location=location,
        pay=lambda _visit: _pay_for_visit(order),
    )  # fmt: skip
    order.visit_verified_at = visit.ended_at
    db.session.flush()
    return order


def _pay_for_visit(order: Order) -> tuple[int, uuid.UUID | None]:
    """The order's held voucher part goes to the merchant: what was paid and the ledger's payment."""
    if not order.voucher_held:
        return 0, None
    pay_subsidy(order)
    return order.subsidy_fen, order.subsidy_payment_id


def release_lapsed_subsidies(now: datetime | None = None, batch: int = 100) -> int:
    """Completed care orders whose visit was begun and never verified in time: their visits lapse.

    The voucher part goes back and the elder is told (idempotent; the order's lock, then the visit's).
    """
    now = now or utcnow()
    cutoff = now - timedelta(hours=int(current_app.config["COMMERCE_VISIT_LAPSE_HOURS"]))
    ids = list(
        db.session.scalars(
            db.select(Order.id)
            .where(
                Order.status == OrderStatus.COMPLETED,
                Order.voucher_held.is_(True),
                Order.visit_id.is_not(None),
                Order.completed_at < cutoff,
            )
            .order_by(Order.completed_at)
            .limit(batch)
        )
    )
    released = 0
    for order_id in ids:
        order = _locked(order_id)
        if not order.voucher_held or order.visit_id is None or not eldercare.lapse_visit(order.visit_id):
            continue  # verified (and paid) or released meanwhile
        eldercare.give_back_to_voucher(order.person_id, order.subsidy_fen)
        order.voucher_held = False
        notices.subsidy_unused(order)
        released += 1
    db.session.flush()
    return released
