"""Providers, their services and working plans, slots with seats, appointments and the waitlist.

The names follow FHIR: a ``Slot`` is free, busy (every seat taken) or busy-unavailable (withdrawn
by the provider); an ``Appointment`` is booked, arrived, fulfilled, cancelled or noshow. A slot
counts its seats in three numbers — ``capacity``, ``booked`` and ``held`` (kept for a waitlist
offer) — changed only under a row lock, so a seat is given to one person.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.calendar import SHANGHAI
from app.core.models import IdMixin, LocalizedName, UTCDateTime
from app.core.nearby import Located
from app.extensions import db


class ProviderKind(StrEnum):
    """Who publishes appointments: a hospital, a government service hall, a community service."""

    HOSPITAL = "hospital"
    SERVICE_HALL = "service_hall"
    COMMUNITY = "community"


class SlotStatus(StrEnum):
    """FHIR Slot.status: seats left, none left, or withdrawn by the provider."""

    FREE = "free"
    BUSY = "busy"
    UNAVAILABLE = "busy-unavailable"


class AppointmentStatus(StrEnum):
    """FHIR Appointment.status, as far as a resident's booking goes."""

    BOOKED = "booked"
    ARRIVED = "arrived"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"


ACTIVE = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)
COUNTED = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED, AppointmentStatus.FULFILLED)

STATUS_LABELS = {
    AppointmentStatus.BOOKED: _l("Booked"),
    AppointmentStatus.ARRIVED: _l("Checked in"),
    AppointmentStatus.FULFILLED: _l("Done"),
    AppointmentStatus.CANCELLED: _l("Cancelled"),
    AppointmentStatus.NOSHOW: _l("Missed"),
}


class WaitStatus(StrEnum):
    """A place on a slot's waitlist: waiting, offered the seat (held), then accepted or let go."""

    WAITING = "waiting"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Provider(IdMixin, LocalizedName, Located, db.Model):
    """A hospital, service hall or community service; published by one institution's client."""

    __tablename__ = "appointment_providers"

    kind: Mapped[str] = mapped_column(String(20), index=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    rules: Mapped[dict] = mapped_column(JSON, default=dict)


class Service(IdMixin, LocalizedName, db.Model):
    """What is booked at a provider: a department or a doctor's clinic, a counter's business."""

    __tablename__ = "appointment_services"
    __table_args__ = (Index("ix_appointment_services_provider", "provider_id", "id"),)

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_providers.id"))
    department: Mapped[str] = mapped_column(String(80), default="")
    practitioner: Mapped[str] = mapped_column(String(80), default="", index=True)
    practitioner_title: Mapped[str] = mapped_column(String(40), default="")
    # What kind of service it is as a code (FHIR serviceType): a home-care visit names the elder-care
    # service it is (``medical_visit``, ``cleaning``, ...), so a verified visit can serve its booking.
    service_type: Mapped[str] = mapped_column(String(40), default="", server_default="")

    provider: Mapped[Provider] = relationship(lazy="joined", innerjoin=True)


class Schedule(IdMixin, db.Model):
    """A working plan as data: days, hours, breaks, slot length and seats, over a date range."""

    __tablename__ = "appointment_schedules"

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_services.id"), index=True)
    weekdays: Mapped[list] = mapped_column(JSON)  # 0 = Monday
    working_days_only: Mapped[bool] = mapped_column(Boolean, default=False)
    day_start: Mapped[str] = mapped_column(String(5))  # "08:00", Asia/Shanghai
    day_end: Mapped[str] = mapped_column(String(5))
    breaks: Mapped[list] = mapped_column(JSON, default=list)  # [["12:00", "13:30"]]
    slot_minutes: Mapped[int] = mapped_column(Integer)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    seats: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Slot(IdMixin, db.Model):
    """A time at a service with a number of seats."""

    __tablename__ = "appointment_slots"
    __table_args__ = (
        Index("ix_appointment_slots_service_start", "service_id", "starts_at"),
        Index("ix_appointment_slots_provider_start", "provider_id", "starts_at"),
    )

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_services.id"))
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_providers.id"))
    schedule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_schedules.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)

    service: Mapped[Service] = relationship(lazy="joined", innerjoin=True)

    @property
    def seats_left(self) -> int:
        """Seats anyone may book now (none while withdrawn)."""
        return 0 if self.withdrawn else max(self.capacity - self.booked - self.held, 0)

    @property
    def status(self) -> SlotStatus:
        """FHIR Slot.status."""
        if self.withdrawn:
            return SlotStatus.UNAVAILABLE
        return SlotStatus.FREE if self.seats_left else SlotStatus.BUSY

    @property
    def local_date(self) -> date:
        """The Asia/Shanghai day of the slot."""
        return self.starts_at.astimezone(SHANGHAI).date()


class Appointment(IdMixin, db.Model):
    """A resident's seat in a slot, and where it went (booked, arrived, fulfilled, cancelled, noshow)."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_person", "person_id", "id"),
        Index("ix_appointments_person_start", "person_id", "starts_at"),
        Index("ix_appointments_service_day", "service_id", "local_date", "queue_number"),
        Index("ix_appointments_provider_day", "provider_id", "local_date", "id"),  # a desk's day: one range
        Index(  # the sweep's two questions: booked and past (no-shows), arrived and long past (closed)
            "ix_appointments_open_end",
            "status",
            "ends_at",
            postgresql_where=text("status IN ('booked', 'arrived')"),
            sqlite_where=text("status IN ('booked', 'arrived')"),
        ),
        Index(
            "uq_appointments_active_seat",
            "slot_id",
            "person_id",
            unique=True,
            postgresql_where=text("status IN ('booked', 'arrived')"),
            sqlite_where=text("status IN ('booked', 'arrived')"),
        ),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    booked_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # a guardian under a mandate
    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_slots.id"), index=True)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_services.id"))
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_providers.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=AppointmentStatus.BOOKED)
    confirmation_serial: Mapped[str] = mapped_column(String(12), unique=True)
    confirmation_signature: Mapped[str] = mapped_column(String(12))
    external_ref: Mapped[str | None] = mapped_column(String(64))
    queue_number: Mapped[int | None] = mapped_column(Integer)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(20))  # resident | provider
    alternative_slot_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    visit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the home visit that served it (elder care)

    slot: Mapped[Slot] = relationship(lazy="joined", innerjoin=True)
    events: Mapped[list[AppointmentEvent]] = relationship(
        order_by="AppointmentEvent.id", lazy="selectin", back_populates="appointment"
    )

    @property
    def status_label(self) -> str:
        """The status in the reader's language."""
        return str(STATUS_LABELS[AppointmentStatus(self.status)])

    @property
    def is_active(self) -> bool:
        """Booked or checked in: the seat is the resident's."""
        return self.status in ACTIVE


class AppointmentEvent(IdMixin, db.Model):
    """One step of an appointment's timeline, as the resident sees it."""

    __tablename__ = "appointment_events"

    appointment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor_kind: Mapped[str] = mapped_column(String(10))

    appointment: Mapped[Appointment] = relationship(back_populates="events")


class WaitlistEntry(IdMixin, db.Model):
    """A resident waiting for a seat in a full slot; the first waiting is offered a freed seat."""

    __tablename__ = "appointment_waitlist"
    __table_args__ = (
        Index("ix_appointment_waitlist_slot", "slot_id", "status", "id"),
        Index("ix_appointment_waitlist_person", "person_id", "id"),
        Index("ix_appointment_waitlist_hold", "status", "hold_until"),
        Index(
            "uq_appointment_waitlist_open",
            "slot_id",
            "person_id",
            unique=True,
            postgresql_where=text("status IN ('waiting', 'offered')"),
            sqlite_where=text("status IN ('waiting', 'offered')"),
        ),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointment_slots.id"))
    status: Mapped[str] = mapped_column(String(10), default=WaitStatus.WAITING)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hold_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    slot: Mapped[Slot] = relationship(lazy="joined", innerjoin=True)
