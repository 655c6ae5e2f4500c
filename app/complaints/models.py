"""12345 work orders: categories, routing rules, complaints, their timeline and deadlines."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.complaints import texts
from app.core.models import IdMixin, LocalizedName, UTCDateTime, utcnow
from app.core.pii import EncryptedString
from app.extensions import db


class Category(IdMixin, LocalizedName, db.Model):
    """A node of the 12345 category tree; leaves are what residents pick."""

    __tablename__ = "complaint_categories"

    code: Mapped[str] = mapped_column(String(12), unique=True)
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)
    sla_class: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoutingRuleRecord(IdMixin, db.Model):
    """A routing rule as supervisors manage it; loaded into the engine on every change."""

    __tablename__ = "routing_rules"

    number: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(80))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    category_prefixes: Mapped[list] = mapped_column(JSON, default=list)
    district_codes: Mapped[list] = mapped_column(JSON, default=list)
    street_codes: Mapped[list] = mapped_column(JSON, default=list)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    department_code: Mapped[str] = mapped_column(String(40))
    assisting_codes: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ComplaintStatus(StrEnum):
    """Where a complaint stands."""

    SUBMITTED = "submitted"  # waiting for a dispatcher (no rule matched, or sent back)
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"  # answered; the resident rates it
    CLOSED = "closed"
    MERGED = "merged"  # handled together with another
    SPLIT = "split"  # handled as its parts


OPEN_STATES = (
    ComplaintStatus.SUBMITTED,
    ComplaintStatus.DISPATCHED,
    ComplaintStatus.ACCEPTED,
    ComplaintStatus.IN_PROGRESS,
)
WORKING_STATES = (ComplaintStatus.DISPATCHED, ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS)


class Complaint(IdMixin, db.Model):
    """One citizen request (诉求), from intake to a rated close."""

    __tablename__ = "complaints"
    # A period's complaints (metrics, the routing dry run) read as one range, in chunks by (created_at, id).
    __table_args__ = (
        Index("ix_complaints_created_at_id", "created_at", "id"),
        # a department's work list, newest first: one range of it (complaint_assists' for what it assists)
        Index("ix_complaints_lead_department_id_id", "lead_department_id", "id"),
        Index("ix_complaints_status_id", "status", "id"),  # a queue by status (the dispatcher's): one range
    )

    tracking_number: Mapped[str] = mapped_column(String(24), unique=True)
    channel: Mapped[str] = mapped_column(String(12))  # app | hotline | telegram | open311
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    caller_phone: Mapped[str | None] = mapped_column(EncryptedString)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("people.id"))
    open311_client_id: Mapped[str | None] = mapped_column(String(64))
    category_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaint_categories.id"))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    district_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("districts.id"), index=True)
    street_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("streets.id"))
    contact_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    identity_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # ix_complaints_status_id
    sla_class: Mapped[str] = mapped_column(String(12))
    dispatch_due: Mapped[datetime] = mapped_column(UTCDateTime)
    feedback_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lead_department_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("departments.id"))
    routing_rule_number: Mapped[int | None] = mapped_column(Integer)
    # Why it went where it went, as data: {"rule": n, "rule_name", "matched": [[kind, value]], "department"}
    # or {"queue": "dispatcher"}; put into words for the reader (texts.routing_explanation).
    routing: Mapped[dict | None] = mapped_column(JSON)
    # What another domain attached when it filed the complaint (a disputed payment, an order):
    # {"kind": ..., "title": {locale: text}, "facts": [[{locale: label}, value], ...]}
    attachment: Mapped[dict | None] = mapped_column(JSON)
    reply: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    duplicate_candidate_ids: Mapped[list] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    category: Mapped[Category] = relationship()
    assists: Mapped[list[ComplaintAssist]] = relationship(cascade="all, delete-orphan")
    events: Mapped[list[ComplaintEvent]] = relationship(
        cascade="all, delete-orphan", order_by="ComplaintEvent.id", back_populates="complaint"
    )
    photos: Mapped[list[ComplaintPhoto]] = relationship(cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def routing_reason(self) -> str:
        """Why it went where it went, in the reader's language."""
        return texts.routing_explanation(self.routing)

    def deadline_at(self, now: datetime) -> dict | None:
        """The clock running at ``now`` (dispatch while waiting, then the reply), and if it is missed."""
        if self.status == ComplaintStatus.SUBMITTED:
            kind, due = "dispatch", self.dispatch_due
        elif self.status in WORKING_STATES and self.feedback_due:
            kind, due = "feedback", self.feedback_due
        else:
            return None
        return {
            "kind": kind,
            "due_at": due,
            "overdue": due < now,
            "seconds_left": int((due - now).total_seconds()),
        }

    @property
    def deadline(self) -> dict | None:
        """The clock that runs now."""
        return self.deadline_at(utcnow())

    @property
    def attached(self) -> dict | None:
        """What was attached, in the reader's language."""
        return texts.attachment(self.attachment)

    @property
    def photo_ids(self) -> list[str]:
        """The ids of its photos."""
        return [str(photo.id) for photo in self.photos]

    @property
    def assisting_department_ids(self) -> list[str]:
        """The departments assisting the lead one."""
        return [str(assist.department_id) for assist in self.assists]


class ComplaintAssist(IdMixin, db.Model):
    """A department assisting the lead department on a complaint."""

    __tablename__ = "complaint_assists"
    __table_args__ = (
        UniqueConstraint("complaint_id", "department_id"),
        Index("ix_complaint_assists_department_id_complaint_id", "department_id", "complaint_id"),
    )

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    department_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("departments.id"))


class ComplaintEvent(IdMixin, db.Model):
    """One step of the timeline; residents see ``public_note``, staff also ``internal_note``."""

    __tablename__ = "complaint_events"

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    status_after: Mapped[str] = mapped_column(String(16))
    actor_kind: Mapped[str] = mapped_column(String(12))
    actor_person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    department_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("departments.id"))
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # for the localized summary
    public_note: Mapped[str] = mapped_column(Text, default="")  # free text residents see (the reply)
    internal_note: Mapped[str] = mapped_column(Text, default="")  # what staff typed, as typed
    complaint: Mapped[Complaint] = relationship(back_populates="events")

    @property
    def summary(self) -> str:
        """The step in the reader's language."""
        return texts.event_summary(self.kind, self.params)

    @property
    def system_note(self) -> str:
        """What the system noted at this step (routed by a rule, a deadline missed), for staff."""
        return texts.system_note((self.params or {}).get("note"))


class ComplaintPhoto(IdMixin, db.Model):
    """A photo attached at intake, stored behind the storage interface."""

    __tablename__ = "complaint_photos"

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)


class ComplaintSubscription(IdMixin, db.Model):
    """A resident following a complaint: its reporter, and reporters of duplicates merged into it."""

    __tablename__ = "complaint_subscriptions"
    __table_args__ = (
        UniqueConstraint("complaint_id", "person_id"),
        # A resident's list, newest first: one range of this index, however many complaints there are.
        Index("ix_complaint_subscriptions_person_id_complaint_id", "person_id", "complaint_id"),
    )

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))


class DeadlineBreach(IdMixin, db.Model):
    """A missed dispatch or feedback deadline, recorded once and escalated to supervisors."""

    __tablename__ = "complaint_breaches"
    __table_args__ = (UniqueConstraint("complaint_id", "kind", "due_at"),)

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # dispatch | feedback
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    department_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("departments.id"))


class DeadlineExtension(IdMixin, db.Model):
    """A department's request for more time, approved or refused by a supervisor."""

    __tablename__ = "complaint_extensions"
    __table_args__ = (Index("ix_complaint_extensions_status_id", "status", "id"),)  # the supervisor's queue

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"), index=True)
    requested_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    requested_due: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | approved | refused
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("people.id"))
