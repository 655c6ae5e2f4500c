"""Photos of listings (by the merchant's members) and of reviews (by the resident), behind the storage.

The bytes live behind the kernel's storage (``app.core.storage``) as complaint photos do; the type is
read from the bytes, not from what the client claims. A listing or review keeps its photo ids in
order, so a search reads them with the listing and no more; anyone fetches a photo of a verified
merchant (listings and reviews are public).
"""

from __future__ import annotations

import uuid

from flask_babel import gettext

from app.commerce.models import CommercePhoto, Listing, Merchant, Order, Review
from app.commerce.services._shared import MANDATE_SCOPE, merchant_for_member
from app.core import access
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.errors import NotFound, ValidationFailed
from app.core.storage import sniff_image_type, storage
from app.extensions import db

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_LISTING_PHOTOS = 6
MAX_REVIEW_PHOTOS = 3


def _stored(data: bytes, prefix: str, *, present: int, limit: int, **owner) -> CommercePhoto:
    """Check the bytes (an image, 5 MB at most, room left) and store them."""
    content_type = sniff_image_type(data)
    if content_type is None:
        raise ValidationFailed({"photo": [gettext("Only JPEG, PNG or WebP photos are accepted.")]})
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationFailed({"photo": [gettext("A photo may be at most 5 MB.")]})
    if present >= limit:
        raise ValidationFailed({"photo": [gettext("At most %(max)s photos.", max=limit)]})
    key = storage().save(prefix, data, content_type)
    photo = CommercePhoto(storage_key=key, content_type=content_type, size=len(data), **owner)
    db.session.add(photo)
    db.session.flush()
    return photo


def _locked_listing(merchant: Merchant, listing_id: uuid.UUID) -> Listing:
    listing = db.session.scalar(
        db.select(Listing)
        .where(Listing.id == listing_id)
        .with_for_update(of=Listing)
        .execution_options(populate_existing=True)
    )
    if listing is None or listing.merchant_id != merchant.id:
        raise NotFound()
    return listing


def add_listing_photo(
    actor: Actor, merchant_id: uuid.UUID, listing_id: uuid.UUID, data: bytes
) -> CommercePhoto:
    """A member adds a photo to a listing (JPEG, PNG or WebP, 5 MB at most, 6 per listing)."""
    merchant = merchant_for_member(actor, merchant_id)
    listing = _locked_listing(merchant, listing_id)
    photo = _stored(
        data, f"commerce/{merchant.id}", present=len(listing.photo_ids or []), limit=MAX_LISTING_PHOTOS,
        merchant_id=merchant.id, listing_id=listing.id, uploaded_by_id=actor.person_id,
    )  # fmt: skip
    listing.photo_ids = [*(listing.photo_ids or []), str(photo.id)]
    db.session.flush()
    return photo


def remove_listing_photo(
    actor: Actor, merchant_id: uuid.UUID, listing_id: uuid.UUID, photo_id: uuid.UUID
) -> None:
    """A member takes a photo off a listing."""
    merchant = merchant_for_member(actor, merchant_id)
    listing = _locked_listing(merchant, listing_id)
    photo = db.session.get(CommercePhoto, photo_id)
    if photo is None or photo.listing_id != listing.id:
        raise NotFound()
    listing.photo_ids = [p for p in listing.photo_ids or [] if p != str(photo.id)]
    db.session.delete(photo)
    db.session.flush()


def add_review_photo(actor: Actor, order_id: uuid.UUID, data: bytes) -> CommercePhoto:
    """The resident adds a photo to the review of their order (3 at most)."""
    order = access.load_private(
        actor, Order, order_id, scope=MANDATE_SCOPE, action=AuditAction.CHANGE, resource="commerce_order"
    )
    review = db.session.scalar(
        db.select(Review)
        .where(Review.order_id == order.id)
        .with_for_update(of=Review)
        .execution_options(populate_existing=True)
    )
    if review is None:
        raise NotFound()
    photo = _stored(
        data, f"commerce/{order.merchant_id}/reviews", present=len(review.photo_ids or []),
        limit=MAX_REVIEW_PHOTOS, merchant_id=order.merchant_id, review_id=review.id,
        uploaded_by_id=actor.person_id,
    )  # fmt: skip
    review.photo_ids = [*(review.photo_ids or []), str(photo.id)]
    db.session.flush()
    return photo


def public_photo(photo_id: uuid.UUID) -> tuple[bytes, str]:
    """A listing's or review's photo of a verified merchant: its bytes and type (404 otherwise)."""
    photo = db.session.get(CommercePhoto, photo_id)
    merchant = db.session.get(Merchant, photo.merchant_id) if photo is not None else None
    if merchant is None or not merchant.verified:
        raise NotFound()
    return storage().load(photo.storage_key), photo.content_type
