"""The outbox, each channel's delivery, the in-app inbox, preferences and webhook endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, UTCDateTime, utcnow
from app.core.pii import EncryptedString
from app.extensions import db


class MessageStatus:
    """Where an outbox message stands."""

    PENDING = "pending"  # waiting for a worker (first try, a retry, or a channel held until morning)
    PROCESSING = "processing"  # a worker holds it until ``due_at`` (its lease)
    DELIVERED = "delivered"  # every channel delivered or skipped
    FAILED = "failed"  # some channel failed for good; ``last_error`` says why

    OPEN = (PENDING, PROCESSING)


class DeliveryStatus:
    """Where one channel's delivery of a message stands."""

    PENDING = "pending"
    HELD = "held"  # quiet hours: waits until ``not_before``
    DELIVERED = "delivered"
    SKIPPED = "skipped"  # not possible (no linked account, no bot token); ``error`` says why
    FAILED = "failed"

    DONE = (DELIVERED, SKIPPED)


class OutboxMessage(IdMixin, db.Model):
    """A notification written in the transaction of the change it reports; relayed after commit."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_due_at", "status", "due_at"),  # the sweep
        Index("ix_outbox_messages_status_id", "status", "id"),  # the administrators' list by status
    )

    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    # Someone without an account yet (an invitation): texted at this number, in this locale.
    recipient_phone: Mapped[str | None] = mapped_column(String(20))
    locale: Mapped[str | None] = mapped_column(String(10))
    client_id: Mapped[str | None] = mapped_column(String(64))  # webhook messages to an institution
    template: Mapped[str] = mapped_column(String(60))  # template name, or the event of a webhook
    topic: Mapped[str] = mapped_column(String(20))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(12), default=MessageStatus.PENDING)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    job_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deliveries: Mapped[list[Delivery]] = relationship(
        viewonly=True, order_by=lambda: (Delivery.channel, Delivery.target), lazy="select"
    )

    @property
    def job_id(self) -> str:
        """The RQ job id of the current relay of this message."""
        return job_id_for(self.id, self.job_seq)


def job_id_for(message_id: uuid.UUID, seq: int) -> str:
    """RQ job id of relay number ``seq`` of a message (0 is the relay right after commit)."""
    return f"notify-{message_id}-{seq}"


class Delivery(IdMixin, db.Model):
    """One channel's delivery of one message (per webhook endpoint for webhooks): at most one each."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (UniqueConstraint("message_id", "channel", "target"),)

    message_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("outbox_messages.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(12), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboxItem(IdMixin, db.Model):
    """A message in a person's in-app inbox, in the language it was delivered in."""

    __tablename__ = "inbox_items"
    __table_args__ = (
        Index("ix_inbox_items_person_read", "person_id", "read_at"),
        # a page is the person's newest first: one range, not a walk of the primary key
        Index("ix_inbox_items_person_id_id", "person_id", "id"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    message_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("outbox_messages.id"), unique=True)
    topic: Mapped[str] = mapped_column(String(20))
    template: Mapped[str] = mapped_column(String(60))
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    locale: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(db.Model):
    """A person's channels per topic and quiet hours; absent means the defaults."""

    __tablename__ = "notification_preferences"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), primary_key=True)
    channels: Mapped[dict] = mapped_column(JSON, default=dict)  # topic -> [channel, ...]
    quiet_hours_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_start: Mapped[time] = mapped_column(Time)
    quiet_end: Mapped[time] = mapped_column(Time)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WebhookEndpoint(IdMixin, db.Model):
    """Where an institutional client receives signed webhooks, and the secret they are signed with."""

    __tablename__ = "webhook_endpoints"

    client_id: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(EncryptedString)
    events: Mapped[list] = mapped_column(JSON, default=list)  # empty: every event
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
