"""Listings (goods and services with price and stock) and the nearby search residents start from."""

from __future__ import annotations

import uuid

from flask_babel import gettext
from sqlalchemy.orm import selectinload

from app.commerce.models import Fulfilment, Listing, Merchant, MerchantCategory
from app.commerce.services._shared import OWNER, merchant_for_member
from app.core.actors import Actor
from app.core.errors import NotFound, ValidationFailed
from app.core.geo import Point
from app.core.models import utcnow
from app.core.nearby import nearby
from app.core.pagination import Page, paginate
from app.core.views import with_facts
from app.extensions import db

SORTS = ("distance", "rating")


def create_listing(actor: Actor, merchant_id: uuid.UUID, **fields) -> Listing:
    """The owner lists a good or service at the merchant's place (found once the merchant is verified)."""
    merchant = merchant_for_member(actor, merchant_id, OWNER)
    _check_fulfilment(fields.get("fulfilment") or [Fulfilment.PICKUP])
    listing = Listing(
        merchant=merchant, merchant_verified=merchant.verified, **{"category": merchant.category, **fields}
    )
    _check_subsidy(listing)
    listing.place_at(merchant.point)
    db.session.add(listing)
    db.session.flush()
    return listing


def _check_subsidy(listing: Listing) -> None:
    """Only an elder-care service may be paid by the government's care subsidy (elders' vouchers)."""
    if listing.subsidy_eligible and listing.category != MerchantCategory.ELDERCARE:
        raise ValidationFailed(
            {
                "subsidy_eligible": [
                    gettext("Only a listing in the elder-care category can take care vouchers.")
                ]
            }
        )


def _check_fulfilment(ways: list[str]) -> None:
    if not ways:
        raise ValidationFailed({"fulfilment": [gettext("Offer pick-up, delivery or both.")]})


def update_listing(actor: Actor, merchant_id: uuid.UUID, listing_id: uuid.UUID, **changes) -> Listing:
    """A member changes a listing: price, stock, texts, whether it is offered."""
    merchant = merchant_for_member(actor, merchant_id)
    listing = db.session.get(Listing, listing_id, with_for_update=True, populate_existing=True)
    if listing is None or listing.merchant_id != merchant.id:
        raise NotFound()
    if "fulfilment" in changes:
        _check_fulfilment(changes["fulfilment"])
    for name, value in changes.items():
        setattr(listing, name, value)
    _check_subsidy(listing)
    db.session.flush()
    return listing


def merchant_listings(actor: Actor, merchant_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page:
    """Every listing of the merchant, offered or not, for its members."""
    merchant = merchant_for_member(actor, merchant_id)
    stmt = db.select(Listing).where(Listing.merchant_id == merchant.id)
    return paginate(stmt, Listing.id, cursor=cursor, limit=limit)


def public_listings(merchant_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page:
    """A verified merchant's offered listings, for anyone."""
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None or not merchant.verified:
        raise NotFound()
    stmt = db.select(Listing).where(Listing.merchant_id == merchant.id, Listing.active.is_(True))
    return paginate(stmt, Listing.id, cursor=cursor, limit=limit)


def search_nearby(
    centre: Point,
    *,
    radius: int,
    category: str | None = None,
    open_now: bool = False,
    sort: str = "distance",
    limit: int = 20,
) -> list:
    """Offered listings of verified merchants within ``radius`` metres, nearest (or best rated) first."""
    stmt = (
        db.select(Listing)
        .options(selectinload(Listing.merchant))
        .where(Listing.active.is_(True), Listing.merchant_verified.is_(True))
    )
    if category is not None:
        stmt = stmt.where(Listing.category == category)
    now = utcnow()
    found = [
        (near, near.row.merchant.open_at(now)) for near in nearby(stmt, Listing, centre, radius_m=radius)
    ]
    if open_now:
        found = [(near, is_open) for near, is_open in found if is_open]
    if sort == "rating":
        found.sort(key=lambda pair: (-(pair[0].row.merchant.rating or 0), pair[0].distance_m))
    return [
        with_facts(
            near.row,
            distance_m=round(near.distance_m),
            open_now=is_open,
            delivers_here=Fulfilment.DELIVERY in near.row.fulfilment
            and near.distance_m <= near.row.merchant.service_radius_m,
        )
        for near, is_open in found[:limit]
    ]
