"""Payment intents, refunds, purpose claims, provider callbacks, the ledger and the sandbox provider."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from flask_babel import get_locale
from sqlalchemy import (
    JSON,
    BigInteger,
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

from app.core.models import IdMixin, UTCDateTime
from app.core.money import Money
from app.extensions import db


class PaymentStatus(StrEnum):
    """Where an intent stands: pending until the provider settles it or it is cancelled."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PayeeKind(StrEnum):
    """Who is paid: a biller, a parking or transit operator, a merchant, the police, a care provider."""

    BILLER = "biller"
    PARKING_OPERATOR = "parking_operator"
    MERCHANT = "merchant"
    TRANSIT_OPERATOR = "transit_operator"
    TRAFFIC_POLICE = "traffic_police"
    CARE_PROVIDER = "care_provider"  # a home-care provider's client, paid from elders' care vouchers


class PaymentIntent(IdMixin, db.Model):
    """One charge of one payer to one payee for one purpose, in whole fen."""

    __tablename__ = "payment_intents"
    __table_args__ = (
        UniqueConstraint("payer_id", "idempotency_key"),
        UniqueConstraint("provider", "provider_ref"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("refunded_fen >= 0 AND refunded_fen <= amount_fen", name="refunds_within_amount"),
        Index("ix_payment_intents_payer_id_id", "payer_id", "id"),
        Index("ix_payment_intents_status_created_at", "status", "created_at"),
    )

    payer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    initiated_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    payee_kind: Mapped[str] = mapped_column(String(20))
    payee_id: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    purpose_domain: Mapped[str] = mapped_column(String(30))
    purpose_ids: Mapped[list] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(String(120), default="")  # in Simplified Chinese
    # The description in every language the domain gave it ({"en": ..., "zh_Hant": ...}).
    descriptions: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default=PaymentStatus.PENDING)
    provider: Mapped[str] = mapped_column(String(20))
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    client_action: Mapped[dict | None] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(255))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure_code: Mapped[str | None] = mapped_column(String(40))
    refunds: Mapped[list[PaymentRefund]] = relationship(
        back_populates="intent", order_by="PaymentRefund.id", lazy="selectin"
    )

    @property
    def amount(self) -> Money:
        """The amount charged."""
        return Money(self.amount_fen, self.currency)

    @property
    def refunded(self) -> Money:
        """How much has been refunded so far."""
        return Money(self.refunded_fen, self.currency)

    @property
    def payee(self) -> dict:
        """Who is paid, as the API shows it."""
        return {"kind": self.payee_kind, "id": self.payee_id}

    @property
    def purpose(self) -> dict:
        """What is paid for, as the API shows it, described in the reader's language."""
        return {
            "domain": self.purpose_domain,
            "ids": list(self.purpose_ids),
            "description": self.description_now,
        }

    @property
    def description_now(self) -> str:
        """The description in the current locale, else the stored Simplified Chinese one."""
        return (self.descriptions or {}).get(str(get_locale() or "zh_Hans")) or self.description


class PaymentClaim(db.Model):
    """While an intent is pending or succeeded, it alone holds each thing it pays for."""

    __tablename__ = "payment_claims"

    domain: Mapped[str] = mapped_column(String(30), primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    intent_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("payment_intents.id"), index=True)


class PaymentRefund(IdMixin, db.Model):
    """Money given back from a succeeded intent, in part or in full."""

    __tablename__ = "payment_refunds"
    __table_args__ = (
        UniqueConstraint("intent_id", "idempotency_key"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    intent_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("payment_intents.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    requested_by: Mapped[str] = mapped_column(String(120))
    intent: Mapped[PaymentIntent] = relationship(back_populates="refunds")

    @property
    def amount(self) -> Money:
        """The amount refunded."""
        return Money(self.amount_fen, self.currency)


class PaymentCallbackEvent(IdMixin, db.Model):
    """A provider callback event id already received: the same id again is a replay."""

    __tablename__ = "payment_callback_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(100))
    intent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class LedgerJournal(IdMixin, db.Model):
    """One balanced posting for one settled payment or one refund, written exactly once."""

    __tablename__ = "ledger_journals"
    __table_args__ = (
        UniqueConstraint("kind", "source_id"),
        CheckConstraint("total_debit_fen = total_credit_fen", name="balanced"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        Index("ix_ledger_journals_payee_day", "payee_kind", "payee_id", "business_date"),
    )

    kind: Mapped[str] = mapped_column(String(10))  # "payment" | "refund"
    source_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the intent or the refund
    intent_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("payment_intents.id"), index=True)
    payee_kind: Mapped[str] = mapped_column(String(20))
    payee_id: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    total_debit_fen: Mapped[int] = mapped_column(BigInteger)
    total_credit_fen: Mapped[int] = mapped_column(BigInteger)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    business_date: Mapped[date] = mapped_column(Date)
    entries: Mapped[list[LedgerEntry]] = relationship(
        back_populates="journal", order_by="LedgerEntry.id", lazy="selectin"
    )


class LedgerEntry(IdMixin, db.Model):
    """One side of a journal: a debit or a credit to one account."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(
            "(debit_fen > 0 AND credit_fen = 0) OR (debit_fen = 0 AND credit_fen > 0)", name="one_side"
        ),
    )

    journal_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("ledger_journals.id"), index=True)
    account: Mapped[str] = mapped_column(String(100), index=True)
    debit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    journal: Mapped[LedgerJournal] = relationship(back_populates="entries")


class SandboxCharge(IdMixin, db.Model):
    """The sandbox provider's own record of a charge: its simulated payer's answer and its callback."""

    __tablename__ = "payment_sandbox_charges"

    intent_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    provider_ref: Mapped[str] = mapped_column(String(64), unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    outcome: Mapped[str] = mapped_column(String(10))  # succeed | fail | timeout | abandon
    state: Mapped[str] = mapped_column(String(10), default="open")  # open | captured | declined | closed
    pay_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    callback_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    callback_attempts: Mapped[int] = mapped_column(Integer, default=0)
    callback_delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    callback_last_error: Mapped[str | None] = mapped_column(String(200))


class SandboxRefund(IdMixin, db.Model):
    """A refund the sandbox provider paid out."""

    __tablename__ = "payment_sandbox_refunds"

    charge_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("payment_sandbox_charges.id"), index=True)
    refund_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    provider_ref: Mapped[str] = mapped_column(String(64), unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
