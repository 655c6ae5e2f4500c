"""Billers, residents' utility accounts (户号), bills, autopay rules, e-receipts and disputes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.calendar import business_date
from app.core.disputes import DisputeMixin, DisputeStatus
from app.core.models import IdMixin, LocalizedName, UTCDateTime
from app.core.money import Money
from app.core.pii import EncryptedString, mask_name
from app.extensions import db


class BillerCategory(StrEnum):
    """What a biller charges for."""

    WATER = "water"
    ELECTRICITY = "electricity"
    GAS = "gas"
    HEATING = "heating"
    PROPERTY = "property"
    TELECOM = "telecom"


class PaymentMode(StrEnum):
    """How a biller accepts payment through Yimatong."""

    APP = "app"  # the resident (or a family member) pays by hand
    AUTOPAY = "autopay"  # autopay mandates may pay new bills


class Confirmation(StrEnum):
    """How a biller confirms who holds an account: by the sandbox rule at once, or later through its API."""

    RULE = "rule"
    API = "api"


class AccountStatus(StrEnum):
    """Where a resident's binding of an account stands."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REFUSED = "refused"


class BillStatus(StrEnum):
    """A bill is unpaid until paid through Yimatong or elsewhere, or withdrawn by the biller."""

    UNPAID = "unpaid"
    PAID = "paid"
    CANCELLED = "cancelled"


class DisputeKind(StrEnum):
    """What went wrong with a payment, as the resident says."""

    NOT_CREDITED = "not_credited"
    PAID_TWICE = "paid_twice"
    WRONG_AMOUNT = "wrong_amount"


MAX_BILLS_PER_PAYMENT = 20  # bills of one biller paid in one payment
MAX_ACCOUNTS = 30  # accounts one resident binds (their list is whole, never paged)
MAX_PUSH = 500  # bills a biller pushes in one request
MAX_AUTOPAY_DAYS = 15  # autopay runs at most this many days before the due date
BILL_FILTERS = ("unpaid", "overdue", "paid", "cancelled")

CATEGORY_LABELS = {
    BillerCategory.WATER: _l("Water"),
    BillerCategory.ELECTRICITY: _l("Electricity"),
    BillerCategory.GAS: _l("Gas"),
    BillerCategory.HEATING: _l("Heating"),
    BillerCategory.PROPERTY: _l("Property management"),
    BillerCategory.TELECOM: _l("Telecom"),
}
DISPUTE_KIND_LABELS = {
    DisputeKind.NOT_CREDITED: _l("Paid but not credited"),
    DisputeKind.PAID_TWICE: _l("Paid twice"),
    DisputeKind.WRONG_AMOUNT: _l("Wrong amount"),
}


def mask_account(number: str) -> str:
    """``3201123456785678`` -> ``32**********5678``: enough for the holder to recognise, no more."""
    if len(number) >= 8:
        return number[:2] + "*" * (len(number) - 6) + number[-4:]
    keep = min(2, max(len(number) - 2, 0))
    return "*" * (len(number) - keep) + number[len(number) - keep :]


class Biller(IdMixin, LocalizedName, db.Model):
    """A utility of one city in the registry (as BBPS keeps one), acting through its institutional client."""

    __tablename__ = "billers"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(20))
    city_code: Mapped[str] = mapped_column(String(12), index=True)
    department_code: Mapped[str | None] = mapped_column(String(60))
    account_fields: Mapped[list] = mapped_column(JSON)
    supports_fetch: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_modes: Mapped[list] = mapped_column(JSON)
    confirms_by: Mapped[str] = mapped_column(String(10), default=Confirmation.API)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def category_label(self) -> str:
        """The category's name in the reader's language."""
        label = CATEGORY_LABELS.get(self.category)
        return str(label) if label is not None else self.category


class UtilityAccount(IdMixin, db.Model):
    """A resident's binding of one account (户号) with one biller; the biller confirms the holder."""

    __tablename__ = "utility_accounts"
    __table_args__ = (
        UniqueConstraint("person_id", "biller_id", "account_number"),
        Index("ix_utility_accounts_biller_number", "biller_id", "account_number"),
        Index("ix_utility_accounts_biller_status_id", "biller_id", "status", "id"),  # bindings to decide
    )

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    biller_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("billers.id"))
    account_number: Mapped[str] = mapped_column(String(64))
    extra_fields: Mapped[dict] = mapped_column(JSON, default=dict)
    holder_name: Mapped[str] = mapped_column(EncryptedString)
    alias: Mapped[str] = mapped_column(String(30), default="")
    status: Mapped[str] = mapped_column(String(12), default=AccountStatus.PENDING)
    refusal_reason: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bound_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    biller: Mapped[Biller] = relationship(lazy="joined", innerjoin=True)
    autopay: Mapped[AutopayRule | None] = relationship(
        back_populates="account", cascade="all, delete-orphan", lazy="selectin", uselist=False
    )

    @property
    def holder_name_masked(self) -> str:
        """The holder's name as responses show it (张**)."""
        return mask_name(self.holder_name) or ""


class AutopayRule(IdMixin, db.Model):
    """Pay each new bill of one account automatically, N days before it is due, up to a limit per bill."""

    __tablename__ = "bill_autopay_rules"
    __table_args__ = (
        CheckConstraint("limit_fen > 0", name="limit_positive"),
        CheckConstraint("days_before_due >= 0", name="days_not_negative"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("utility_accounts.id"), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    limit_fen: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    days_before_due: Mapped[int] = mapped_column(Integer)
    set_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    account: Mapped[UtilityAccount] = relationship(back_populates="autopay")

    @property
    def limit(self) -> Money:
        """The most one bill may be for and still be paid automatically."""
        return Money(self.limit_fen, self.currency)


class Bill(IdMixin, db.Model):
    """A bill a biller pushed for one account; its number is the biller's, unique per biller."""

    __tablename__ = "bills"
    __table_args__ = (
        UniqueConstraint("biller_id", "bill_no"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        Index("ix_bills_biller_account", "biller_id", "account_number"),
        Index("ix_bills_status_due_date", "status", "due_date"),
    )

    biller_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("billers.id"))
    bill_no: Mapped[str] = mapped_column(String(64))
    account_number: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    due_date: Mapped[date] = mapped_column(Date)
    line_items: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default=BillStatus.UNPAID)
    paid_via: Mapped[str | None] = mapped_column(String(12))  # "yimatong" | "elsewhere"
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    paid_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    paid_elsewhere_note: Mapped[str | None] = mapped_column(String(120))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    autopay_state: Mapped[str | None] = mapped_column(String(12))  # "attempted" | "over_limit"
    autopay_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    autopay_payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    biller: Mapped[Biller] = relationship(lazy="joined", innerjoin=True)

    @property
    def amount(self) -> Money:
        """What the bill asks for."""
        return Money(self.amount_fen, self.currency)

    def overdue_on(self, today: date) -> bool:
        """Unpaid after its due date."""
        return self.status == BillStatus.UNPAID and self.due_date < today

    @property
    def overdue(self) -> bool:
        """Unpaid after its due date (Asia/Shanghai, today)."""
        return self.overdue_on(business_date())


def format_code(code: str) -> str:
    """``ABCD1234EFGH5678`` -> ``ABCD-1234-EFGH-5678``: how a code is printed on the receipt."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class BillReceipt(IdMixin, db.Model):
    """An e-receipt for one bill paid through Yimatong; anyone holding its code can check it."""

    __tablename__ = "bill_receipts"
    __table_args__ = (UniqueConstraint("bill_id", "payment_id"),)

    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    bill_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("bills.id"), index=True)
    payment_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    biller_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("billers.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    period: Mapped[str] = mapped_column(String(20))
    account_masked: Mapped[str] = mapped_column(String(64))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    biller: Mapped[Biller] = relationship(lazy="joined", innerjoin=True)

    @property
    def amount(self) -> Money:
        """The amount paid for the bill."""
        return Money(self.amount_fen, self.currency)

    @property
    def refunded(self) -> Money:
        """How much of it was given back."""
        return Money(self.refunded_fen, self.currency)

    @property
    def verification_code(self) -> str:
        """The code as printed on the receipt."""
        return format_code(self.code)

    @property
    def status(self) -> str:
        """valid, partly_refunded or voided (fully refunded)."""
        if self.voided_at is not None:
            return "voided"
        return "partly_refunded" if self.refunded_fen else "valid"

    @property
    def paid_on(self) -> date:
        """The Asia/Shanghai day it was paid."""
        return business_date(self.paid_at)


class BillDispute(IdMixin, DisputeMixin, db.Model):
    """A resident's dispute about one bill payment; the biller answers by a deadline, else 12345."""

    __tablename__ = "bill_disputes"
    __table_args__ = (
        Index("ix_bill_disputes_biller_status_id", "biller_id", "status", "id"),  # a biller's queue
        Index("ix_bill_disputes_biller_id", "biller_id", "id"),  # ... of any status
        Index("ix_bill_disputes_person_id_id", "person_id", "id"),  # the resident's: a page a range
    )

    payment_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    raised_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    biller_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("billers.id"))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default=DisputeStatus.OPEN)
    decision: Mapped[str | None] = mapped_column(String(10))  # the biller's: "accepted" | "rejected"
    evidence: Mapped[dict] = mapped_column(JSON)
    answer_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(String(500))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    complaint_tracking_number: Mapped[str | None] = mapped_column(String(40))
    biller: Mapped[Biller] = relationship(lazy="joined", innerjoin=True)

    KIND_LABELS = DISPUTE_KIND_LABELS
