"""Elder profiles, emergency contacts, care devices, daily check-ins and alerts with their ladder.

An elder's profile belongs to the elder (``person_id``); guardians reach it through the identity
domain's mandates (scope ``eldercare``), the assigned community worker through the profile's
``worker_id``. Conditions are stored encrypted and shown only to those three. An alert (an SOS, a
fall, a missed check-in, no activity at home) climbs a ladder of people on a clock until someone
acknowledges it; every step and every response is an event of the alert.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, UTCDateTime, utcnow
from app.core.money import Money
from app.core.pii import EncryptedString, EncryptedText, mask_phone
from app.extensions import db


class LivingSituation(StrEnum):
    """Who the elder lives with."""

    ALONE = "alone"
    WITH_SPOUSE = "with_spouse"
    WITH_FAMILY = "with_family"
    CARE_HOME = "care_home"


class CareLevel(StrEnum):
    """How much help the elder needs day to day (the community's assessment)."""

    INDEPENDENT = "independent"
    ASSISTED = "assisted"
    DEPENDENT = "dependent"


class AlertKind(StrEnum):
    """What raised an alert."""

    SOS = "sos"  # a press: in the app, the bot, an SOS button
    FALL = "fall"  # a fall sensor
    NO_ACTIVITY = "no_activity"  # no door activity for 48 hours
    MISSED_CHECKIN = "missed_checkin"  # no daily check-in by the set time and the grace after it


class AlertStatus(StrEnum):
    """Where an alert stands."""

    OPEN = "open"  # climbing the ladder, nobody has answered yet
    ACKNOWLEDGED = "acknowledged"  # someone is coming
    ARRIVED = "arrived"  # they are with the elder
    RESOLVED = "resolved"
    CANCELLED = "cancelled"  # the elder called it off before anyone answered (a false press)


ACTIVE_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.ARRIVED)
# The arrival times a guardian answering a call is offered to choose from (the SOS notice's buttons in
# Telegram, the bot's /care); the API takes any ``eta_minutes`` from 1 to 240.
ETA_CHOICES = (10, 20, 30, 60)

KIND_LABELS = {
    AlertKind.SOS: _l("Emergency call"),
    AlertKind.FALL: _l("Fall detected"),
    AlertKind.NO_ACTIVITY: _l("No activity at home"),
    AlertKind.MISSED_CHECKIN: _l("Missed daily check-in"),
}
STATUS_LABELS = {
    AlertStatus.OPEN: _l("Calling for help"),
    AlertStatus.ACKNOWLEDGED: _l("Someone is coming"),
    AlertStatus.ARRIVED: _l("Help has arrived"),
    AlertStatus.RESOLVED: _l("Resolved"),
    AlertStatus.CANCELLED: _l("Called off"),
}


class ElderProfile(IdMixin, db.Model):
    """An elder's care record: how they live, what they need, who to call, who looks after them."""

    __tablename__ = "elder_profiles"
    __table_args__ = (Index("ix_elder_profiles_worker_id_id", "worker_id", "id"),)  # a worker's elders

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), unique=True)
    living_situation: Mapped[str] = mapped_column(String(20))
    care_level: Mapped[str] = mapped_column(String(20))
    conditions: Mapped[str | None] = mapped_column(EncryptedText)  # JSON list, encrypted at rest
    worker_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("people.id"))
    checkin_by: Mapped[time | None] = mapped_column(Time)  # Asia/Shanghai; None: no daily check-in
    easy_mode: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # 长辈模式
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    contacts: Mapped[list[EmergencyContact]] = relationship(
        order_by="EmergencyContact.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def condition_list(self) -> list[str]:
        """The health conditions (decrypted; only the elder's circle is ever shown them)."""
        return json.loads(self.conditions) if self.conditions else []


class EmergencyContact(IdMixin, db.Model):
    """Someone to call, in order, after the guardians and the community worker."""

    __tablename__ = "elder_emergency_contacts"

    profile_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("elder_profiles.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    relation: Mapped[str] = mapped_column(String(30), default="")
    phone: Mapped[str] = mapped_column(EncryptedString)

    __table_args__ = (UniqueConstraint("profile_id", "position"),)

    @property
    def masked_phone(self) -> str | None:
        """The phone as anyone but the elder's circle sees it."""
        return mask_phone(self.phone)


class CareDevice(IdMixin, db.Model):
    """An SOS button or a sensor in an elder's home, and the platform whose client reports it."""

    __tablename__ = "elder_care_devices"

    serial: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(64))  # the device platform's machine client
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    registered_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("people.id"))
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("client_id", "serial"),)


class DeviceEvent(IdMixin, db.Model):
    """One event a device platform reported (a press, a fall, no activity), once per its event id."""

    __tablename__ = "elder_device_events"

    device_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("elder_care_devices.id"))
    event_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    alert_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("elder_alerts.id"))

    __table_args__ = (UniqueConstraint("device_id", "event_id"),)


class CheckIn(IdMixin, db.Model):
    """One day of an elder's check-in (平安打卡): when they checked in, or were reminded, or alerted for."""

    __tablename__ = "elder_checkins"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    day: Mapped[date] = mapped_column(Date)  # Asia/Shanghai
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str | None] = mapped_column(String(20))  # app | bot | device
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alert_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    __table_args__ = (
        UniqueConstraint("person_id", "day"),
        Index("ix_elder_checkins_person_id_id", "person_id", "id"),  # the elder's days, a page a range
    )


class Alert(IdMixin, db.Model):
    """An emergency of one elder, climbing the ladder until someone acknowledges it."""

    __tablename__ = "elder_alerts"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))  # app | bot | device | checkin
    status: Mapped[str] = mapped_column(String(20), default=AlertStatus.OPEN)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raised_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the person who pressed (or None)
    device_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("elder_care_devices.id"))
    step: Mapped[int] = mapped_column(Integer, default=-1)  # the highest rung called (-1: none yet)
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ladder: Mapped[list] = mapped_column(JSON, default=list)  # the rungs, fixed when it was raised
    called: Mapped[list] = mapped_column(JSON, default=list)  # ids of the people its rungs called
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("people.id"))
    responder_name: Mapped[str | None] = mapped_column(String(60))  # who is coming, as the elder sees it
    eta_minutes: Mapped[int | None] = mapped_column(Integer)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    events: Mapped[list[AlertEvent]] = relationship(
        order_by="AlertEvent.id", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        Index("ix_elder_alerts_person_id_id", "person_id", "id"),
        Index("ix_elder_alerts_status_id", "status", "id"),
    )

    @property
    def active(self) -> bool:
        """Still needing someone: not resolved or called off."""
        return self.status in ACTIVE_STATUSES

    @property
    def kind_label(self) -> str:
        """What raised it, in the reader's language."""
        return str(KIND_LABELS[AlertKind(self.kind)])

    @property
    def status_label(self) -> str:
        """Where it stands, in the reader's language."""
        return str(STATUS_LABELS[AlertStatus(self.status)])


class AlertEvent(IdMixin, db.Model):
    """What happened to an alert: raised, a ladder step called, acknowledged, arrived, resolved."""

    __tablename__ = "elder_alert_events"

    alert_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("elder_alerts.id"), index=True)
    kind: Mapped[str] = mapped_column(
        String(20)
    )  # raised | step | acknowledged | arrived | resolved | cancelled
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    step: Mapped[int | None] = mapped_column(Integer)
    actor_person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    notified: Mapped[int] = mapped_column(Integer, default=0)  # how many people this step called


class CareService(StrEnum):
    """A home-care service a provider visits for."""

    MEAL_HELP = "meal_help"  # 助餐
    CLEANING = "cleaning"  # 助洁
    PERSONAL_CARE = "personal_care"  # 助浴、助行
    MEDICAL_VISIT = "medical_visit"  # 助医: a nurse or doctor at home


SERVICE_LABELS = {
    CareService.MEAL_HELP: _l("Meal help"),
    CareService.CLEANING: _l("Cleaning"),
    CareService.PERSONAL_CARE: _l("Personal care"),
    CareService.MEDICAL_VISIT: _l("Medical visit"),
}


class VisitStatus(StrEnum):
    """A care visit: begun at the door (her code scanned), verified at its end (scanned again), or lapsed."""

    IN_PROGRESS = "in_progress"
    VERIFIED = "verified"
    LAPSED = "lapsed"  # begun and never verified in time: never paid, its end scan refused


class CareVoucher(db.Model):
    """An elder's government care-subsidy balance (养老服务补贴), topped up by the community worker."""

    __tablename__ = "elder_care_vouchers"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), primary_key=True)
    balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    granted_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # every top-up so far
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def balance(self) -> Money:
        """What is left to pay visits with."""
        return Money(self.balance_fen)

    @property
    def granted(self) -> Money:
        """Every top-up so far."""
        return Money(self.granted_fen)


class CareVisit(IdMixin, db.Model):
    """One home-care visit and the six facts of its verification (EVV).

    Service, recipient, date, place, provider, start and end: the recipient is whoever's city code the
    caregiver scanned at the door; the start and end are the two scans; the place is where the first
    scan was made. Only a visit verified by both scans is paid from the elder's voucher.
    """

    __tablename__ = "elder_care_visits"
    __table_args__ = (
        UniqueConstraint("client_id", "visit_ref"),
        Index("ix_elder_care_visits_person_id_id", "person_id", "id"),
        Index("ix_elder_care_visits_client_id_id", "client_id", "id"),
        Index("ix_elder_care_visits_status_started", "status", "started_at"),  # unfinished ones lapse
    )

    client_id: Mapped[str] = mapped_column(String(64))  # the provider: its client id, or the merchant's id
    provider_kind: Mapped[str] = mapped_column(
        String(20), default="care_provider", server_default="care_provider"
    )  # care_provider (a terminal, a machine client) | merchant (its staff, a commerce order)
    provider_name: Mapped[str] = mapped_column(String(100), default="")
    visit_ref: Mapped[str] = mapped_column(String(64))  # the provider's own id: a retry is the same visit
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))  # the elder
    service: Mapped[str] = mapped_column(String(20))
    caregiver_name: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12), default=VisitStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)  # WGS84, where the door scan was made
    lng: Mapped[float] = mapped_column(Float)
    end_lat: Mapped[float | None] = mapped_column(Float)
    end_lng: Mapped[float | None] = mapped_column(Float)
    subsidy_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # paid from the voucher once verified
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the subsidy paid to the provider (ledger)
    notes: Mapped[str] = mapped_column(String(500), default="")
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the booking it served (appointments)
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the commerce order it delivered

    @property
    def service_label(self) -> str:
        """The service, in the reader's language."""
        return str(SERVICE_LABELS[CareService(self.service)])

    @property
    def subsidy(self) -> Money:
        """What the elder's voucher paid for this visit."""
        return Money(self.subsidy_fen)

    @property
    def minutes(self) -> int | None:
        """How long the visit lasted, once ended."""
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds() // 60)
