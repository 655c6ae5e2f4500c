"""Compounds (小区) with their gates and residents; visitor passes; venues and their cards; the entry log.

A compound's gates are operated by scanner clients; residents (registered by the community worker)
pass with their city code, visitors with a pass a resident issued (a window and a number of
entries). Venues (libraries, sports centres, museums) admit by the purpose of their scan. Every
entry, exit and refusal is one ``AccessEvent``, visible to the resident whose code or pass it was.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, LocalizedName, UTCDateTime, utcnow
from app.extensions import db

PASS_PREFIX = "YMTP-"  # noqa: S105 - not a secret: what a visitor pass's QR holds before its token; a city code never starts so


class PassStatus(StrEnum):
    """Where a visitor pass stands now."""

    NOT_YET = "not_yet"
    ACTIVE = "active"
    USED_UP = "used_up"
    EXPIRED = "expired"
    REVOKED = "revoked"


class Direction(StrEnum):
    """Through the gate inwards or outwards."""

    IN = "in"
    OUT = "out"


class Admission(StrEnum):
    """How a venue admits: any resident with a verified real name, or holders of its card."""

    REAL_NAME = "real_name"
    CARD_HOLDERS = "card_holders"


class Compound(LocalizedName, IdMixin, db.Model):
    """A residential compound (小区)."""

    __tablename__ = "access_compounds"

    code: Mapped[str] = mapped_column(String(30), unique=True)
    gates: Mapped[list[CompoundGate]] = relationship(
        back_populates="compound", order_by="CompoundGate.code", lazy="selectin"
    )


class CompoundGate(LocalizedName, IdMixin, db.Model):
    """A gate of a compound, operated by one scanner client."""

    __tablename__ = "access_compound_gates"

    code: Mapped[str] = mapped_column(String(30), unique=True)
    compound_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("access_compounds.id"))
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    compound: Mapped[Compound] = relationship(back_populates="gates", lazy="joined", innerjoin=True)


class Residency(IdMixin, db.Model):
    """A person living in a compound, as the community worker registered them."""

    __tablename__ = "access_residencies"
    __table_args__ = (
        UniqueConstraint("compound_id", "person_id"),
        Index("ix_access_residencies_person", "person_id"),
    )

    compound_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("access_compounds.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    unit: Mapped[str] = mapped_column(String(40), default="")
    registered_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    compound: Mapped[Compound] = relationship(lazy="joined", innerjoin=True)


class VisitorPass(IdMixin, db.Model):
    """A pass a resident issued for a visitor: valid in a window for a number of entries, revocable."""

    __tablename__ = "access_visitor_passes"
    __table_args__ = (
        Index("ix_access_visitor_passes_person_id_id", "person_id", "id"),
        Index("ix_access_visitor_passes_person_until", "person_id", "valid_until"),
    )

    compound_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("access_compounds.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))  # who issued it
    visitor_name: Mapped[str] = mapped_column(String(40))
    token: Mapped[str] = mapped_column(String(32), unique=True)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    max_entries: Mapped[int] = mapped_column(Integer)
    entries_used: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    compound: Mapped[Compound] = relationship(lazy="joined", innerjoin=True)

    @property
    def pass_code(self) -> str:
        """What the visitor's QR code holds."""
        return PASS_PREFIX + self.token

    @property
    def entries_left(self) -> int:
        """How many more entries the pass allows."""
        return max(0, self.max_entries - self.entries_used)

    def status_at(self, moment: datetime) -> PassStatus:
        """Revoked, expired, not valid yet, used up, or active at ``moment``."""
        if self.revoked_at is not None:
            return PassStatus.REVOKED
        if moment >= self.valid_until:
            return PassStatus.EXPIRED
        if moment < self.valid_from:
            return PassStatus.NOT_YET
        return PassStatus.USED_UP if self.entries_left == 0 else PassStatus.ACTIVE

    @property
    def status(self) -> PassStatus:
        """The pass's status now."""
        return self.status_at(utcnow())


class Venue(LocalizedName, IdMixin, db.Model):
    """A library, sports centre or museum that accepts the city code at its entrance."""

    __tablename__ = "access_venues"

    code: Mapped[str] = mapped_column(String(30), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # library | sports_centre | museum
    purpose: Mapped[str] = mapped_column(String(20))  # the city-code purpose its scanner asks for
    admission: Mapped[str] = mapped_column(String(20))
    client_id: Mapped[str] = mapped_column(String(64), index=True)


class VenueCard(IdMixin, db.Model):
    """A resident's card of a venue (a library card, a sports-centre membership)."""

    __tablename__ = "access_venue_cards"
    __table_args__ = (UniqueConstraint("venue_id", "person_id"), UniqueConstraint("venue_id", "card_no"))

    venue_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("access_venues.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    card_no: Mapped[str] = mapped_column(String(20))
    venue: Mapped[Venue] = relationship(lazy="joined", innerjoin=True)


class AccessEvent(IdMixin, db.Model):
    """One scan at a compound gate or a venue: admitted or refused, whose code or pass, which way."""

    __tablename__ = "access_events"
    __table_args__ = (
        Index("ix_access_events_person_id_id", "person_id", "id"),
        Index("ix_access_events_pass_id_id", "pass_id", "id"),
        UniqueConstraint("client_id", "scan_id"),
    )

    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("people.id"))  # whose code or pass
    pass_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("access_visitor_passes.id"))
    gate_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("access_compound_gates.id"))
    venue_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("access_venues.id"))
    client_id: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(4), default=Direction.IN)
    admitted: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(String(20))
    scan_id: Mapped[str | None] = mapped_column(String(64))  # the scanner's own id: a retry is the same scan
    answer: Mapped[dict | None] = mapped_column(JSON)  # what the gate was told beyond admitted and reason
    gate: Mapped[CompoundGate | None] = relationship(lazy="joined")
    venue: Mapped[Venue | None] = relationship(lazy="joined")
    visitor_pass: Mapped[VisitorPass | None] = relationship(lazy="joined")
