"""Lines, stations and gates; the taps gates send; the trips taps form; each rider's day of trips.

A tap is named by the gate's client and its own ``tap_id``, so a scanner's retry or an offline batch
sent twice is the same tap. Trips are formed from a rider's taps of one business day (Asia/Shanghai):
a trip is keyed by its first tap, so forming them again from the same taps gives the same trips.
A rider's day (``TransitDay``) is the row their taps of that day lock, and what is settled as one
charge through payments.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.disputes import DisputeMixin, DisputeStatus  # noqa: F401 - the states every dispute shares
from app.core.models import IdMixin, LocalizedName, UTCDateTime
from app.core.money import Money
from app.extensions import db


class Mode(StrEnum):
    """How a line runs: buses (tap in only, flat fare) or the metro (tap in and out, by distance)."""

    BUS = "bus"
    METRO = "metro"


class TapKind(StrEnum):
    """A tap at the entry or at the exit gate."""

    ENTRY = "entry"
    EXIT = "exit"


class TapOutcome(StrEnum):
    """What became of a tap: it forms a trip, or the code was refused, or it was flagged."""

    ACCEPTED = "accepted"
    REFUSED = "refused"  # not a valid code: nobody is charged
    FLAGGED = "flagged"  # the same code at another gate within its lifetime: kept, charged to nobody


class TripStatus(StrEnum):
    """A trip: still open (no exit yet), complete, or missing a tap (charged the maximum fare)."""

    OPEN = "open"
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"


class PaymentState(StrEnum):
    """Where a trip's fare is: not charged yet, being charged, paid, unpaid (the charge failed), free."""

    PENDING = "pending"
    CHARGING = "charging"
    PAID = "paid"
    UNPAID = "unpaid"
    FREE = "free"


class TransitLine(LocalizedName, IdMixin, db.Model):
    """A bus or metro line, run by one operator (the payee of its fares)."""

    __tablename__ = "transit_lines"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    mode: Mapped[str] = mapped_column(String(10))
    operator_id: Mapped[str] = mapped_column(String(64))  # the operator's client_id, paid through payments


class TransitStation(LocalizedName, IdMixin, db.Model):
    """A stop of a line at ``km`` along it; the same ``code`` on two metro lines is an interchange."""

    __tablename__ = "transit_stations"
    __table_args__ = (UniqueConstraint("line_id", "code"),)

    line_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("transit_lines.id"))
    code: Mapped[str] = mapped_column(String(20))
    km: Mapped[float] = mapped_column(Float, default=0.0)
    line: Mapped[TransitLine] = relationship(lazy="joined", innerjoin=True)


class TransitGate(IdMixin, db.Model):
    """A gate (or a bus's reader) at a station, operated by one scanner client."""

    __tablename__ = "transit_gates"

    code: Mapped[str] = mapped_column(String(30), unique=True)
    station_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("transit_stations.id"))
    client_id: Mapped[str] = mapped_column(String(64), index=True)  # the scanner bound to this gate
    station: Mapped[TransitStation] = relationship(lazy="joined", innerjoin=True)


class TransitDay(db.Model):
    """One rider's trips of one business day: the row their taps lock, settled as one charge."""

    __tablename__ = "transit_days"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    needs_settling: Mapped[bool] = mapped_column(Boolean, default=True)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_transit_days_needs_settling", "needs_settling", "business_date"),)


class Tap(IdMixin, db.Model):
    """One read of a city code at a gate, online or uploaded later from an offline gate."""

    __tablename__ = "transit_taps"
    __table_args__ = (
        UniqueConstraint("client_id", "tap_id"),
        Index("ix_transit_taps_person_day", "person_id", "business_date", "tapped_at"),
    )

    client_id: Mapped[str] = mapped_column(String(64))
    tap_id: Mapped[str] = mapped_column(String(64))
    gate_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("transit_gates.id"))
    kind: Mapped[str] = mapped_column(String(10))
    tapped_at: Mapped[datetime] = mapped_column(UTCDateTime)
    business_date: Mapped[date] = mapped_column(Date)
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("people.id"))
    outcome: Mapped[str] = mapped_column(String(10), default=TapOutcome.REFUSED)
    reason: Mapped[str | None] = mapped_column(String(20))  # the code's refusal reason, or "replayed"
    code_digest: Mapped[str] = mapped_column(String(64), index=True)  # a code seen twice is the same digest
    trip_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("transit_trips.id"))
    gate: Mapped[TransitGate] = relationship(lazy="joined")


class Trip(IdMixin, db.Model):
    """A ride formed from taps: an entry and an exit (metro), or one tap (bus); its fare and payment."""

    __tablename__ = "transit_trips"
    __table_args__ = (
        Index("ix_transit_trips_person_id_id", "person_id", "id"),
        Index("ix_transit_trips_person_day", "person_id", "business_date"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    business_date: Mapped[date] = mapped_column(Date)
    first_tap_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)  # what makes it the same trip again
    line_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("transit_lines.id"))
    mode: Mapped[str] = mapped_column(String(10))
    entry_station_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("transit_stations.id"))
    exit_station_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("transit_stations.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=TripStatus.OPEN)
    distance_km: Mapped[float | None] = mapped_column(Float)
    base_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    fare_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    transfer: Mapped[bool] = mapped_column(Boolean, default=False)
    concession: Mapped[str | None] = mapped_column(String(12))
    capped: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_state: Mapped[str] = mapped_column(String(10), default=PaymentState.PENDING)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    line: Mapped[TransitLine] = relationship(lazy="joined", innerjoin=True)
    entry_station: Mapped[TransitStation | None] = relationship(
        foreign_keys=[entry_station_id], lazy="joined"
    )
    exit_station: Mapped[TransitStation | None] = relationship(foreign_keys=[exit_station_id], lazy="joined")

    @property
    def fare(self) -> Money:
        """What the trip costs after transfer, concession and the daily cap."""
        return Money(self.fare_fen)

    @property
    def base(self) -> Money:
        """The full fare before discounts."""
        return Money(self.base_fen)

    @property
    def charged(self) -> bool:
        """Its fare is fixed: being charged, paid, unpaid or free."""
        return self.payment_state != PaymentState.PENDING


class TransitConcession(IdMixin, db.Model):
    """A school's attestation that a rider is a student, in force from one day to another (inclusive).

    Elders need none: their concession comes from the verified national ID. The attesting client's
    ``reference`` (a student number) is kept to answer questions; the rider sees the attestation.
    """

    __tablename__ = "transit_concessions"
    __table_args__ = (UniqueConstraint("person_id", "kind"),)

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(12))  # student
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    client_id: Mapped[str] = mapped_column(String(64))  # the school or education bureau that attested it
    reference: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def covers(self, day: date) -> bool:
        """In force on ``day``."""
        return self.valid_from <= day <= self.valid_until


class DisputeKind(StrEnum):
    """What the rider says is wrong with a trip's fare."""

    MISSING_TAP = "missing_tap"  # charged the maximum, but I did tap out (or in)
    WRONG_FARE = "wrong_fare"  # the distance, transfer or concession was not applied
    NOT_MY_TRIP = "not_my_trip"  # I did not ride (a lost phone, a copied code)


DISPUTE_KIND_LABELS = {
    DisputeKind.MISSING_TAP: _l("A missing tap (charged the maximum)"),
    DisputeKind.WRONG_FARE: _l("Wrong fare (distance, transfer or concession)"),
    DisputeKind.NOT_MY_TRIP: _l("Not my trip"),
}


class FareDispute(IdMixin, DisputeMixin, db.Model):
    """A rider's dispute of one paid trip's fare, decided once by the clearing house (a refund, once).

    The clearing house has no deadline (``answer_due_at`` is None): a rejected dispute may go to 12345.
    """

    __tablename__ = "transit_fare_disputes"
    __table_args__ = (
        Index("ix_transit_fare_disputes_person_id_id", "person_id", "id"),
        Index("ix_transit_fare_disputes_status_id", "status", "id"),
    )

    trip_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("transit_trips.id"), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))  # the rider
    raised_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the rider, or a family member
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(500), default="")
    exit_station_code: Mapped[str | None] = mapped_column(String(20))  # where the rider says they left
    status: Mapped[str] = mapped_column(String(10), default=DisputeStatus.OPEN)
    fare_fen: Mapped[int] = mapped_column(BigInteger)  # the fare disputed, as it was charged
    refund_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    answer: Mapped[str] = mapped_column(String(500), default="")
    decided_by: Mapped[str | None] = mapped_column(String(80))  # the reviewing client
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    complaint_tracking_number: Mapped[str | None] = mapped_column(String(40))
    trip: Mapped[Trip] = relationship(lazy="joined", innerjoin=True)

    KIND_LABELS = DISPUTE_KIND_LABELS
    answer_due_at = None  # the clearing house decides without a deadline

    @property
    def fare(self) -> Money:
        """The disputed fare."""
        return Money(self.fare_fen)

    @property
    def refund(self) -> Money:
        """What came back (nothing unless accepted)."""
        return Money(self.refund_fen)
