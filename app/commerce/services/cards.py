"""The resident's home: orders ready for them, and completed orders they have not reviewed."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask_babel import gettext, ngettext
from sqlalchemy import bindparam, case, func

from app.commerce.models import Order, OrderStatus, Review
from app.core.cards import Card, Urgency, folded
from app.core.models import UTCDateTime
from app.extensions import db

REVIEW_WITHIN = timedelta(days=14)  # a completed order asks for a review for this long

# Built once: the home runs it on every visit (docs/adding-a-domain.md, "hot statements").
_READY = Order.status == OrderStatus.READY
_TO_REVIEW = (
    (Order.status == OrderStatus.COMPLETED)
    & (Order.completed_at >= bindparam("since", type_=UTCDateTime))
    & Review.id.is_(None)
)
_HOME_ORDERS = (
    db.select(
        func.count(case((_READY, 1))),
        func.min(case((_READY, Order.ready_at))),
        func.count(case((_TO_REVIEW, 1))),
    )
    .select_from(Order)
    .outerjoin(Review, Review.order_id == Order.id)
    .where(Order.person_id == bindparam("person_id"), _READY | _TO_REVIEW)
)


@folded(_HOME_ORDERS, params=lambda now: {"since": now - REVIEW_WITHIN})
def home_cards(row: tuple, person_id: uuid.UUID, now: datetime) -> list[Card]:
    """Orders ready for pick-up or on their way, and recent completed orders to review (one query)."""
    ready, first, to_review = row
    cards = []
    if ready:
        count = ready
        cards.append(
            Card(
                "commerce",
                "order_ready",
                Urgency.TODAY,
                ngettext("%(num)d order ready", "%(num)d orders ready", count),
                gettext("Pick it up, or expect the delivery soon."),
                count=count,
                due_at=first,
                target="/api/v1/commerce/orders?status=ready",
            )
        )
    if to_review:
        count = to_review
        cards.append(
            Card(
                "commerce",
                "order_to_review",
                Urgency.LATER,
                ngettext("%(num)d order to review", "%(num)d orders to review", count),
                gettext("Tell your neighbours how it went."),
                count=count,
                target="/api/v1/commerce/orders?status=completed",
            )
        )
    return cards
