"""Reviews: only from the resident of a completed order, one per order; the merchant replies."""

from __future__ import annotations

import uuid

from app.commerce.errors import AlreadyReviewed, NotReviewable
from app.commerce.models import Merchant, Order, OrderStatus, Review
from app.commerce.services._shared import MANDATE_SCOPE, merchant_for_member
from app.core import access
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.errors import NotFound
from app.core.models import add_new, utcnow
from app.core.pagination import Page, paginate
from app.extensions import db


def review_order(actor: Actor, order_id: uuid.UUID, rating: int, text: str = "") -> Review:
    """Review my completed order (once); the merchant's rating takes it in."""
    order = access.load_private(
        actor, Order, order_id, scope=MANDATE_SCOPE, lock=True, action=AuditAction.CREATE,
        resource="commerce_order",
    )  # fmt: skip
    if order.status != OrderStatus.COMPLETED:
        raise NotReviewable()
    if order.review is not None:
        raise AlreadyReviewed()
    review = Review(
        order_id=order.id, merchant_id=order.merchant_id, person_id=order.person_id, rating=rating, text=text
    )
    if not add_new(review):
        raise AlreadyReviewed()
    db.session.execute(
        db.update(Merchant)
        .where(Merchant.id == order.merchant_id)
        .values(rating_total=Merchant.rating_total + rating, rating_count=Merchant.rating_count + 1)
        .execution_options(synchronize_session=False)
    )
    return review


def merchant_reviews(merchant_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page:
    """A verified merchant's reviews, newest first, for anyone (no reviewer is named)."""
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None or not merchant.verified:
        raise NotFound()
    return paginate(
        db.select(Review).where(Review.merchant_id == merchant.id), Review.id, cursor=cursor, limit=limit
    )


def reply_to_review(actor: Actor, merchant_id: uuid.UUID, review_id: uuid.UUID, reply: str) -> Review:
    """A member of the merchant answers a review of it (a later answer replaces the earlier)."""
    merchant = merchant_for_member(actor, merchant_id)
    review = db.session.get(Review, review_id, with_for_update=True, populate_existing=True)
    if review is None or review.merchant_id != merchant.id:
        raise NotFound()
    review.reply, review.replied_at, review.replied_by_id = reply, utcnow(), actor.person_id
    db.session.flush()
    return review
