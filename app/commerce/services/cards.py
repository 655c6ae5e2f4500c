"""The resident's home: orders ready for them, and completed orders they have not reviewed."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask_babel import gettext, ngettext
from sqlalchemy import bindparam, func

from app.commerce.models import Order, OrderStatus, Review
from app.core.cards import Card, Urgency
from app.core.models import UTCDateTime, utcnow
from app.extensions import db

REVIEW_WITHIN = timedelta(days=14)  # a completed order asks for a review for this long

# Built once: the home runs it on every visit (docs/adding-a-domain.md, "hot statements").
_HOME_ORDERS = (
    db.select(Order.status, func.count(), func.min(Order.ready_at))
    .outerjoin(Review, Review.order_id == Order.id)
    .where(
        Order.person_id == bindparam("person_id"),
        (Order.status == OrderStatus.READY)
        | (
            (Order.status == OrderStatus.COMPLETED)
            & (Order.completed_at >= bindparam("since", type_=UTCDateTime))
            & Review.id.is_(None)
        ),
    )
    .group_by(Order.status)
)


def home_cards(person_id: uuid.UUID) -> list[Card]:
    """Orders ready for pick-up or on their way, and recent completed orders to review (one query)."""
    rows = {
        status: (count, first)
        for status, count, first in db.session.execute(
            _HOME_ORDERS, {"person_id": person_id, "since": utcnow() - REVIEW_WITHIN}
        )
    }
    cards = []
    if OrderStatus.READY in rows:
        count, first = rows[OrderStatus.READY]
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
    if OrderStatus.COMPLETED in rows:
        count, _ = rows[OrderStatus.COMPLETED]
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
