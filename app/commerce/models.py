"""Merchants (verified by the street office), their members, listings, orders and reviews."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, UTCDateTime
from app.core.money import Money
from app.core.nearby import Located
from app.extensions import db

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class MerchantCategory(StrEnum):
    """What a community merchant offers (the 15-minute life circle's kinds of service)."""

    RETAIL = "retail"
    DINING = "dining"
    LAUNDRY = "laundry"
    BEAUTY = "beauty"
    EXPRESS = "express"
    LODGING = "lodging"
    EDUCATION = "education"
    HOUSEKEEPING = "housekeeping"
    ELDERCARE = "eldercare"


class MerchantStatus(StrEnum):
    """A merchant lists nothing until the street office has verified it."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class MemberRole(StrEnum):
    """Who works for a merchant: its owner (one or more) and its staff."""

    OWNER = "owner"
    STAFF = "staff"


class Fulfilment(StrEnum):
    """How an order reaches the resident."""

    PICKUP = "pickup"
    DELIVERY = "delivery"


class OrderStatus(StrEnum):
    """An order's life: paid, accepted (or declined and refunded), ready, completed; or cancelled."""

    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"  # waiting for the merchant to accept, until accept_by
    ACCEPTED = "accepted"
    READY = "ready"  # ready for pick-up, or out for delivery
    COMPLETED = "completed"
    DECLINED = "declined"  # by the merchant or for want of an answer in time; refunded
    CANCELLED = "cancelled"  # by the resident before acceptance, or the payment failed; refunded if paid
    REFUNDED = "refunded"  # the merchant cancelled after accepting; refunded


OPEN_ORDER_STATUSES = (OrderStatus.PAID, OrderStatus.ACCEPTED, OrderStatus.READY)
ENDED_ORDER_STATUSES = (
    OrderStatus.COMPLETED,
    OrderStatus.DECLINED,
    OrderStatus.CANCELLED,
    OrderStatus.REFUNDED,
)

CATEGORY_LABELS = {
    MerchantCategory.RETAIL: _l("Shops and groceries"),
    MerchantCategory.DINING: _l("Food and drink"),
    MerchantCategory.LAUNDRY: _l("Laundry"),
    MerchantCategory.BEAUTY: _l("Hair and beauty"),
    MerchantCategory.EXPRESS: _l("Parcels and express"),
    MerchantCategory.LODGING: _l("Lodging"),
    MerchantCategory.EDUCATION: _l("Classes and tutoring"),
    MerchantCategory.HOUSEKEEPING: _l("Housekeeping and repairs"),
    MerchantCategory.ELDERCARE: _l("Elder care"),
}
STATUS_LABELS = {
    OrderStatus.AWAITING_PAYMENT: _l("Awaiting payment"),
    OrderStatus.PAID: _l("Waiting for the merchant"),
    OrderStatus.ACCEPTED: _l("Being prepared"),
    OrderStatus.READY: _l("Ready"),
    OrderStatus.COMPLETED: _l("Completed"),
    OrderStatus.DECLINED: _l("Declined and refunded"),
    OrderStatus.CANCELLED: _l("Cancelled"),
    OrderStatus.REFUNDED: _l("Cancelled by the merchant and refunded"),
}


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours) % 24, int(minutes)) if text != "24:00" else time(23, 59, 59)


def open_at(hours: dict, closed_dates: list[str], moment: datetime) -> bool:
    """Whether weekly ``hours`` (``{"mon": [["08:00", "21:00"]]}``) less ``closed_dates`` cover ``moment``.

    A span whose end is before its start runs past midnight (``["18:00", "02:00"]``).
    """
    local = moment.astimezone(SHANGHAI)
    today, now = local.date(), local.time()
    yesterday = today - timedelta(days=1)
    for day, spans in ((today, hours.get(WEEKDAYS[today.weekday()], [])),
                       (yesterday, hours.get(WEEKDAYS[yesterday.weekday()], []))):  # fmt: skip
        if day.isoformat() in closed_dates:
            continue
        for start_text, end_text in spans:
            start, end = _clock(start_text), _clock(end_text)
            overnight = end <= start
            if day == today and (start <= now < end or (overnight and now >= start)):
                return True
            if day == yesterday and overnight and now < end:
                return True
    return False


class Merchant(IdMixin, Located, db.Model):
    """A community business registered with its licence; it lists once the street office verified it."""

    __tablename__ = "commerce_merchants"
    __table_args__ = (
        CheckConstraint("rating_count >= 0", name="rating_count_not_negative"),
        Index("ix_commerce_merchants_status_id", "status", "id"),  # the street office's queue: one range
    )

    name: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(20))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    licence_name: Mapped[str] = mapped_column(String(100))  # the name on the business licence
    legal_representative: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8), default="zh_Hans")
    opening_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    closed_dates: Mapped[list] = mapped_column(JSON, default=list)
    service_radius_m: Mapped[int] = mapped_column(Integer, default=1000)
    status: Mapped[str] = mapped_column(String(12), default=MerchantStatus.PENDING)
    decision_note: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    registered_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    rating_total: Mapped[int] = mapped_column(Integer, default=0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def rating(self) -> float | None:
        """The average review rating, one decimal (None before the first review)."""
        return round(self.rating_total / self.rating_count, 1) if self.rating_count else None

    @property
    def category_label(self) -> str:
        """The category in the reader's language."""
        return str(CATEGORY_LABELS[self.category])

    @property
    def verified(self) -> bool:
        """Verified by the street office and not suspended."""
        return self.status == MerchantStatus.VERIFIED

    def open_at(self, moment: datetime) -> bool:
        """Open at ``moment`` by its weekly hours and closed dates."""
        return open_at(self.opening_hours or {}, self.closed_dates or [], moment)

    def closed_on(self, day: date) -> bool:
        """Closed all of ``day`` (a holiday it declared)."""
        return day.isoformat() in (self.closed_dates or [])


class MerchantMember(IdMixin, db.Model):
    """A person working for a merchant, as owner or staff."""

    __tablename__ = "commerce_merchant_members"
    __table_args__ = (UniqueConstraint("merchant_id", "person_id"),)

    merchant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("commerce_merchants.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    added_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Listing(IdMixin, Located, db.Model):
    """A good or service a merchant offers, at the merchant's place; stock None means not counted."""

    __tablename__ = "commerce_listings"
    __table_args__ = (
        CheckConstraint("price_fen > 0", name="price_positive"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        Index("ix_commerce_listings_merchant_id_id", "merchant_id", "id"),  # a shop's listings: one range
    )

    merchant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("commerce_merchants.id"))
    category: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(500), default="")
    translations: Mapped[dict] = mapped_column(
        JSON, default=dict
    )  # {"en": {"title": ..., "description": ...}}
    price_fen: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    unit: Mapped[str] = mapped_column(String(10), default="")
    stock: Mapped[int | None] = mapped_column(Integer)
    fulfilment: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The merchant's verification, kept on each listing so the nearby search reads one table.
    merchant_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    photo_ids: Mapped[list | None] = mapped_column(JSON)  # its photos in order (read with the listing)
    # An elder-care service the government's care subsidy pays for: an elder's voucher covers what it can.
    subsidy_eligible: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    merchant: Mapped[Merchant] = relationship(lazy="joined", innerjoin=True)

    @property
    def photos(self) -> list[str]:
        """Where to fetch each photo (public while the merchant is verified)."""
        return photo_urls(self.photo_ids)

    @property
    def price(self) -> Money:
        """What one unit costs."""
        return Money(self.price_fen, self.currency)

    def _text(self, field: str) -> str:
        translated = (self.translations or {}).get(str(get_locale() or "zh_Hans"), {})
        return translated.get(field) or getattr(self, field)

    @property
    def local_title(self) -> str:
        """The title in the reader's language when the merchant gave one, else in the merchant's."""
        return self._text("title")

    @property
    def local_description(self) -> str:
        """The description in the reader's language when given, else in the merchant's."""
        return self._text("description")

    @property
    def in_stock(self) -> bool:
        """Whether at least one can be ordered now."""
        return self.active and (self.stock is None or self.stock > 0)


class Order(IdMixin, db.Model):
    """A resident's order of one listing, paid through the ledger, accepted and fulfilled by the merchant."""

    __tablename__ = "commerce_orders"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("subsidy_fen >= 0 AND subsidy_fen <= amount_fen", name="subsidy_within_amount"),
        Index("ix_commerce_orders_person_status", "person_id", "status"),
        Index("ix_commerce_orders_person_id_id", "person_id", "id"),  # my orders, newest first: one range
        Index("ix_commerce_orders_merchant_id_id", "merchant_id", "id"),  # a shop's orders: one range
        Index("ix_commerce_orders_merchant_status_id", "merchant_id", "status", "id"),  # ... in one status
        Index("ix_commerce_orders_status_accept_by", "status", "accept_by"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    placed_by_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    merchant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("commerce_merchants.id"))
    listing_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("commerce_listings.id"))
    title: Mapped[str] = mapped_column(String(60))  # the listing's title when ordered
    quantity: Mapped[int] = mapped_column(SmallInteger)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    stock_counted: Mapped[bool] = mapped_column(Boolean, default=False)  # stock was taken for it
    fulfilment: Mapped[str] = mapped_column(String(10))
    delivery_address: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.AWAITING_PAYMENT)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accept_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(200))
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # What the elder's care voucher pays of ``amount_fen`` (taken when the order is placed); the rest is
    # the resident's payment. Held while ``voucher_held``: given back if the order ends undelivered (or
    # is completed with no visit begun), paid to the merchant from the subsidy fund
    # (``subsidy_payment_id``) when the care visit delivering it is verified at the door.
    subsidy_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    voucher_held: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    subsidy_payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    visit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the care visit verified at the door (EVV)
    visit_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # its end scan: the subsidy moved
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the 12345 complaint about it, once
    complaint_tracking_number: Mapped[str | None] = mapped_column(String(40))
    merchant: Mapped[Merchant] = relationship(lazy="joined", innerjoin=True)
    review: Mapped[Review | None] = relationship(back_populates="order", lazy="selectin", uselist=False)

    @property
    def amount(self) -> Money:
        """What the order costs in all."""
        return Money(self.amount_fen, self.currency)

    @property
    def subsidy(self) -> Money:
        """What the elder's care voucher pays."""
        return Money(self.subsidy_fen, self.currency)

    @property
    def to_pay(self) -> Money:
        """What the resident pays (the amount less the subsidy)."""
        return Money(self.amount_fen - self.subsidy_fen, self.currency)

    @property
    def unit_price(self) -> Money:
        """What one unit cost when ordered."""
        return Money(self.unit_price_fen, self.currency)

    @property
    def refunded(self) -> Money:
        """What was given back."""
        return Money(self.refunded_fen, self.currency)

    @property
    def status_label(self) -> str:
        """The status in the reader's language."""
        return str(STATUS_LABELS[self.status])

    @property
    def reviewable(self) -> bool:
        """Completed and not reviewed yet."""
        return self.status == OrderStatus.COMPLETED and self.review is None


class Review(IdMixin, db.Model):
    """A resident's review of a completed order (one per order), and the merchant's reply."""

    __tablename__ = "commerce_reviews"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_one_to_five"),
        Index("ix_commerce_reviews_merchant_id_id", "merchant_id", "id"),  # a shop's reviews: one range
    )

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("commerce_orders.id"), unique=True)
    merchant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("commerce_merchants.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(String(500), default="")
    reply: Mapped[str | None] = mapped_column(String(500))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    photo_ids: Mapped[list | None] = mapped_column(JSON)  # what the resident attached
    order: Mapped[Order] = relationship(back_populates="review")

    @property
    def photos(self) -> list[str]:
        """Where to fetch each photo."""
        return photo_urls(self.photo_ids)


PHOTO_URL = "/api/v1/commerce/photos/"


def photo_urls(photo_ids: list | None) -> list[str]:
    """The public paths of photos, in order."""
    return [PHOTO_URL + str(photo_id) for photo_id in photo_ids or []]


class CommercePhoto(IdMixin, db.Model):
    """A photo of a listing (by its merchant) or of a review (by its resident), behind the storage."""

    __tablename__ = "commerce_photos"

    merchant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("commerce_merchants.id"), index=True)
    listing_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("commerce_listings.id"))
    review_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("commerce_reviews.id"))
    uploaded_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    storage_key: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)

    @property
    def url(self) -> str:
        """Where anyone fetches it."""
        return PHOTO_URL + str(self.id)
