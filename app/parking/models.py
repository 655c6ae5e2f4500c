"""Lots and roadside berths, bound plates, passes, gate events, parking sessions, anomalies and violations."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.calendar import business_date
from app.core.disputes import DisputeMixin, DisputeStatus
from app.core.models import IdMixin, LocalizedName, UTCDateTime, utcnow
from app.core.money import Money
from app.core.nearby import Located
from app.core.pii import EncryptedString, mask_name
from app.extensions import db
from app.parking.late_fees import TRAFFIC_FINE, LateFeeRule, local_day
from app.parking.tariff import Tariff, tariff_of


class LotKind(StrEnum):
    """A car park with gates, or berths along a road watched by sensors."""

    LOT = "lot"
    ROADSIDE = "roadside"


class Direction(StrEnum):
    """Which way a car passed a gate."""

    ENTRY = "entry"
    EXIT = "exit"


class EventOutcome(StrEnum):
    """What a gate event did."""

    ENTERED = "entered"  # a session opened
    EXITED = "exited"  # a session closed and was priced
    DUPLICATE_EXIT = "duplicate_exit"  # the session had just closed (a second camera, a retry)
    ANOMALY = "anomaly"  # recorded for the operator to resolve
    MATCHED_LATE = "matched_late"  # an entry arriving after its exit: the session is made whole


class SessionStatus(StrEnum):
    """A stay: parked, then free, unpaid (a debt) or paid."""

    PARKED = "parked"
    FREE = "free"
    UNPAID = "unpaid"
    PAID = "paid"
    WAIVED = "waived"  # the operator cancelled the fee (a resolved anomaly)


class AnomalyKind(StrEnum):
    """What did not add up at a gate."""

    EXIT_WITHOUT_ENTRY = "exit_without_entry"
    DOUBLE_ENTRY = "double_entry"


class AnomalyStatus(StrEnum):
    """Open until the operator (or a late event) resolves it."""

    OPEN = "open"
    RESOLVED = "resolved"


class PassKind(StrEnum):
    """A monthly pass bought from the operator, or a resident permit for the street one lives on."""

    MONTHLY = "monthly"
    RESIDENT = "resident"


class ViolationStatus(StrEnum):
    """A fine is unpaid until paid through Yimatong (or withdrawn by the police); disputed while reviewed."""

    UNPAID = "unpaid"
    DISPUTED = "disputed"  # the driver appealed: not payable, no late fee, until the police decide
    PAID = "paid"
    WITHDRAWN = "withdrawn"


class ViolationDisputeKind(StrEnum):
    """Why the driver says the violation is not theirs to pay."""

    NOT_MY_VEHICLE = "not_my_vehicle"  # a misread or cloned plate (套牌)
    WRONG_FACTS = "wrong_facts"  # the time, place or offence recorded is wrong
    JUSTIFIED = "justified"  # an emergency, an officer's instruction, a sign hidden


class DisputeKind(StrEnum):
    """What the driver says went wrong with a stay."""

    MISREAD_PLATE = "misread_plate"  # not my car: the camera read another plate as mine
    WRONG_TIMES = "wrong_times"  # the entry or exit time is wrong
    WRONG_FEE = "wrong_fee"  # charged more than the tariff says (a pass, a discount missed)


MAX_PLATES = 3
DUPLICATE_EXIT_WINDOW_MINUTES = 10
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# 7 characters: province, city letter, five letters or digits (no I or O), the last may be 挂学警港澳;
# 8 characters (new energy, 新能源): province, city letter, D or F (and 5 digits) or 5 digits and D or F.
PLATE_PATTERN = re.compile(
    rf"^[{PROVINCES}][A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳]"
    rf"|[DF][A-HJ-NP-Z0-9]\d{{4}}|\d{{5}}[DF])$"
)
SESSION_FILTERS = tuple(status.value for status in SessionStatus)
DISPUTE_KIND_LABELS = {
    DisputeKind.MISREAD_PLATE: _l("Not my car (plate misread)"),
    DisputeKind.WRONG_TIMES: _l("Wrong entry or exit time"),
    DisputeKind.WRONG_FEE: _l("Wrong fee"),
}
VIOLATION_DISPUTE_KIND_LABELS = {
    ViolationDisputeKind.NOT_MY_VEHICLE: _l("Not my vehicle (plate misread or cloned)"),
    ViolationDisputeKind.WRONG_FACTS: _l("Wrong time, place or offence"),
    ViolationDisputeKind.JUSTIFIED: _l("There was a reason (an emergency, an officer's instruction)"),
}
LOT_KIND_LABELS = {LotKind.LOT: _l("Car park"), LotKind.ROADSIDE: _l("Roadside berths")}


def normalize_plate(number: str) -> str:
    """``贵a·12345`` -> ``贵A12345``: upper case, without the separators people type."""
    return re.sub(r"[\s·.\-]", "", number or "").upper()


def is_valid_plate(number: str) -> bool:
    """A Chinese plate: 7 characters, or 8 for new-energy vehicles, starting with a province."""
    return bool(PLATE_PATTERN.match(number))


def is_new_energy(number: str) -> bool:
    """Eight-character plates are new-energy (green) plates."""
    return len(number) == 8


def mask_plate(number: str) -> str:
    """``贵A12345`` -> ``贵A***45``: what an operator or another reader may see."""
    return number[:2] + "*" * (len(number) - 4) + number[-2:] if len(number) > 4 else number


class ParkingLot(IdMixin, LocalizedName, Located, db.Model):
    """A car park or a stretch of roadside berths, run by one operator's client, with its tariff."""

    __tablename__ = "parking_lots"
    __table_args__ = (CheckConstraint("capacity > 0", name="capacity_positive"),)

    code: Mapped[str] = mapped_column(String(40), unique=True)
    operator_client_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(10), default=LotKind.LOT)
    address: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    occupied: Mapped[int] = mapped_column(Integer, default=0)
    occupancy_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opening_hours: Mapped[str] = mapped_column(String(11), default="00:00-24:00")
    tariff: Mapped[dict] = mapped_column(JSON)  # the first version: in effect until the first change
    has_tariff_versions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    tariff_versions: Mapped[list[ParkingTariffVersion]] = relationship(
        order_by="ParkingTariffVersion.effective_at", lazy="select", viewonly=True
    )

    @property
    def free_spaces(self) -> int:
        """Spaces left, as the operator last said or as sessions follow."""
        return max(self.capacity - self.occupied, 0)

    @property
    def versions(self) -> list[ParkingTariffVersion]:
        """The tariff's later versions, in the order they take effect (read only once there are some)."""
        return self.tariff_versions if self.has_tariff_versions else []

    @property
    def tariff_changes(self) -> list[tuple[datetime, Tariff]]:
        """Each later version of the tariff with the moment it takes effect, as the engine reads them."""
        return [(version.effective_at, version.rules) for version in self.versions]

    def tariff_data_at(self, moment: datetime) -> dict:
        """The tariff (data) in effect at ``moment``: the last version taking effect by then."""
        data = self.tariff
        for version in self.versions:
            if version.effective_at <= moment:
                data = version.tariff
        return data

    def rules_at(self, moment: datetime) -> Tariff:
        """The tariff in effect at ``moment``, as the engine reads it."""
        return tariff_of(self.tariff_data_at(moment))

    @property
    def rules(self) -> Tariff:
        """The tariff in effect now, as the engine reads it."""
        return self.rules_at(utcnow())

    @property
    def tariff_now(self) -> dict:
        """The tariff in effect now (data)."""
        return self.tariff_data_at(utcnow())

    @property
    def upcoming_tariffs(self) -> list[ParkingTariffVersion]:
        """Versions published to take effect later, the soonest first."""
        now = utcnow()
        return [version for version in self.versions if version.effective_at > now]

    @property
    def upcoming_tariff(self) -> ParkingTariffVersion | None:
        """The next change of the tariff, if one is published."""
        upcoming = self.upcoming_tariffs
        return upcoming[0] if upcoming else None

    @property
    def kind_label(self) -> str:
        """Car park or roadside berths, in the reader's language."""
        return str(LOT_KIND_LABELS.get(self.kind, self.kind))


class ParkingTariffVersion(IdMixin, db.Model):
    """A version of a lot's tariff, in effect from ``effective_at`` until the next version's."""

    __tablename__ = "parking_tariff_versions"
    __table_args__ = (UniqueConstraint("lot_id", "effective_at"),)

    lot_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("parking_lots.id"))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tariff: Mapped[dict] = mapped_column(JSON)
    published_by: Mapped[str] = mapped_column(String(64))

    @property
    def rules(self) -> Tariff:
        """The version as the engine reads it."""
        return tariff_of(self.tariff)


class Plate(IdMixin, db.Model):
    """A plate a resident bound (at most 3); one plate, one holder, verified against the holder's name."""

    __tablename__ = "parking_plates"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    number: Mapped[str] = mapped_column(String(8), unique=True)
    holder_name: Mapped[str] = mapped_column(EncryptedString)
    frictionless: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_by: Mapped[str] = mapped_column(String(20))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    bound_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    @property
    def new_energy(self) -> bool:
        """A green, eight-character plate."""
        return is_new_energy(self.number)

    @property
    def holder_name_masked(self) -> str:
        """The holder's name as responses show it (李**)."""
        return mask_name(self.holder_name) or ""


class ParkingPass(IdMixin, db.Model):
    """A monthly pass or resident permit for one plate at one lot; the stay inside it is free."""

    __tablename__ = "parking_passes"
    __table_args__ = (
        Index("ix_parking_passes_lot_plate", "lot_id", "plate"),
        CheckConstraint("valid_until >= valid_from", name="valid_range"),
    )

    lot_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("parking_lots.id"))
    plate: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(10))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    hours_start: Mapped[str | None] = mapped_column(String(5))
    hours_end: Mapped[str | None] = mapped_column(String(5))


class ParkingSession(IdMixin, db.Model):
    """One stay of one plate in one lot: from the entry event to the exit event, priced at exit."""

    __tablename__ = "parking_sessions"
    __table_args__ = (
        # my stays, newest first: one range, not a backward walk of the primary key
        Index("ix_parking_sessions_person_id_id", "person_id", "id"),
        Index(
            "uq_parking_sessions_parked",
            "lot_id",
            "plate",
            unique=True,
            sqlite_where=text("status = 'parked'"),
            postgresql_where=text("status = 'parked'"),
        ),
        Index("ix_parking_sessions_person_status", "person_id", "status"),
        Index("ix_parking_sessions_lot_plate_exited", "lot_id", "plate", "exited_at"),
        Index("ix_parking_sessions_status_exited", "status", "exited_at"),
        CheckConstraint("fee_fen >= 0", name="fee_not_negative"),
    )

    lot_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("parking_lots.id"))
    plate: Mapped[str] = mapped_column(String(8))
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.PARKED)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    exited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entry_gate: Mapped[str] = mapped_column(String(20), default="")
    exit_gate: Mapped[str | None] = mapped_column(String(20))
    fee_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    gross_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    frictionless: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_fee_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # as paid
    # The late-fee rule of the tariff that priced the exit (all None: it had none), and the last day
    # without a late fee: None while a dispute of the stay is open (no late fee counts meanwhile).
    late_grace_days: Mapped[int | None] = mapped_column(Integer)
    late_daily_permille: Mapped[int | None] = mapped_column(Integer)
    late_cap_pct: Mapped[int | None] = mapped_column(Integer)
    pay_by: Mapped[date | None] = mapped_column(Date)
    lot: Mapped[ParkingLot] = relationship(lazy="joined", innerjoin=True)

    @property
    def fee(self) -> Money:
        """What the stay costs (zero until it is priced at exit)."""
        return Money(self.fee_fen, self.currency)

    @property
    def late_fee_rule(self) -> LateFeeRule | None:
        """The late fee of the tariff the stay was priced under at its exit (None: none)."""
        if self.late_grace_days is None:
            return None
        return LateFeeRule(self.late_grace_days, self.late_daily_permille or 0, self.late_cap_pct or 0)

    def keep_late_fee_rule(self, rule: LateFeeRule | None, from_day: date) -> None:
        """Hold ``rule`` for this stay, with its grace counted from ``from_day``."""
        self.late_grace_days = rule.grace_days if rule else None
        self.late_daily_permille = rule.daily_permille if rule else None
        self.late_cap_pct = rule.cap_pct if rule else None
        self.pay_by = rule.last_free_day(from_day) if rule else None

    @property
    def late_fee_paused(self) -> bool:
        """No late fee counts: the stay is disputed and the operator has not answered."""
        return self.late_grace_days is not None and self.pay_by is None

    @property
    def late_fee_from(self) -> date | None:
        """The first day a late fee counts (None when the tariff sets none, or while disputed)."""
        return self.pay_by + timedelta(days=1) if self.pay_by is not None else None

    @property
    def late_fee(self) -> Money:
        """The late fee: due today on an unpaid stay, or what was paid with it."""
        rule = self.late_fee_rule
        if self.status == SessionStatus.UNPAID and rule is not None and self.pay_by is not None:
            return Money(rule.fee_after(self.fee_fen, self.pay_by, business_date()), self.currency)
        return Money(self.late_fee_fen, self.currency)

    @property
    def amount_due(self) -> Money:
        """What paying the stay costs today: its fee and any late fee (zero unless unpaid)."""
        if self.status != SessionStatus.UNPAID:
            return Money(0, self.currency)
        return self.fee + self.late_fee

    @property
    def minutes(self) -> int | None:
        """How long the stay lasted, once it ended."""
        if self.exited_at is None:
            return None
        return int((self.exited_at - self.entered_at).total_seconds() // 60)

    @property
    def plate_masked(self) -> str:
        """The plate as an operator's listing shows it."""
        return mask_plate(self.plate)


class GateEvent(IdMixin, db.Model):
    """An entry or exit an operator's gate reported; its event id makes a retry a no-op."""

    __tablename__ = "parking_gate_events"
    __table_args__ = (
        UniqueConstraint("client_id", "event_id"),
        Index("ix_parking_gate_events_lot_occurred", "lot_id", "occurred_at"),
    )

    client_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(64))
    lot_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("parking_lots.id"))
    direction: Mapped[str] = mapped_column(String(5))
    plate: Mapped[str] = mapped_column(String(8))
    gate: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    photo_ref: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20))
    open_gate: Mapped[bool] = mapped_column(Boolean, default=True)
    session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    anomaly_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class GateAnomaly(IdMixin, db.Model):
    """Events that did not add up (an exit without entry, a second entry), for the operator to resolve."""

    __tablename__ = "parking_anomalies"
    # the gate's look-up (an exit waiting for its entry), and the operator's list, any status or one:
    # each one index range, however many lots the operator runs
    __table_args__ = (
        Index("ix_parking_anomalies_lot_status", "lot_id", "status"),
        Index("ix_parking_anomalies_operator_id", "operator_client_id", "id"),
        Index("ix_parking_anomalies_operator_status_id", "operator_client_id", "status", "id"),
    )

    lot_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("parking_lots.id"))
    operator_client_id: Mapped[str] = mapped_column(String(64))  # the lot's operator, who reported the event
    kind: Mapped[str] = mapped_column(String(20))
    plate: Mapped[str] = mapped_column(String(8))
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(10), default=AnomalyStatus.OPEN)
    resolution: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lot: Mapped[ParkingLot] = relationship(lazy="joined", innerjoin=True)


class Violation(IdMixin, db.Model):
    """A traffic violation the police filed against a plate; its holder sees it and pays the fine once."""

    __tablename__ = "traffic_violations"
    __table_args__ = (
        UniqueConstraint("police_client_id", "reference"),
        Index("ix_traffic_violations_plate_status", "plate", "status"),
        CheckConstraint("fine_fen >= 0", name="fine_not_negative"),
        CheckConstraint("points >= 0 AND points <= 12", name="points_range"),
    )

    police_client_id: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(40))
    plate: Mapped[str] = mapped_column(String(8))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(120))
    offence_code: Mapped[str] = mapped_column(String(10))
    offence: Mapped[str] = mapped_column(String(120))
    fine_fen: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    points: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default=ViolationStatus.UNPAID)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    late_fee_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # as paid
    pay_by: Mapped[date | None] = mapped_column(Date)  # the last day without a late fee
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # of the late fee to come

    @property
    def fine(self) -> Money:
        """The fine to pay."""
        return Money(self.fine_fen, self.currency)

    @property
    def last_free_day(self) -> date:
        """The last day the fine can be paid without a late fee (15 days from filing, or from a rejection)."""
        return self.pay_by or TRAFFIC_FINE.last_free_day(local_day(self.created_at))

    @property
    def late_fee(self) -> Money:
        """The late fee (加处罚款): due today on an unpaid fine, or what was paid with it."""
        if self.status == ViolationStatus.UNPAID:
            fen = TRAFFIC_FINE.fee_after(self.fine_fen, self.last_free_day, business_date())
            return Money(fen, self.currency)
        return Money(self.late_fee_fen, self.currency)

    @property
    def amount_due(self) -> Money:
        """What paying the fine costs today, late fee included (zero unless unpaid)."""
        if self.status != ViolationStatus.UNPAID:
            return Money(0, self.currency)
        return self.fine + self.late_fee


class ParkingDispute(IdMixin, DisputeMixin, db.Model):
    """A driver's dispute of one stay; the operator answers by a deadline (a new fee), else 12345."""

    __tablename__ = "parking_disputes"
    # the operator's queue by status, oldest first: one range of it
    __table_args__ = (
        Index("ix_parking_disputes_operator_status_id", "operator_client_id", "status", "id"),
        Index("ix_parking_disputes_operator_id", "operator_client_id", "id"),  # the operator's, any status
        Index("ix_parking_disputes_person_id_id", "person_id", "id"),  # the driver's: a page a range
    )

    session_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("parking_sessions.id"), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    raised_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    operator_client_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(500))
    evidence: Mapped[list] = mapped_column(JSON, default=list)  # the driver's photo or receipt references
    status: Mapped[str] = mapped_column(String(10), default=DisputeStatus.OPEN)
    answer_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(String(500))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fee_before_fen: Mapped[int] = mapped_column(BigInteger)
    fee_after_fen: Mapped[int | None] = mapped_column(BigInteger)
    refund_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    complaint_tracking_number: Mapped[str | None] = mapped_column(String(40))
    session: Mapped[ParkingSession] = relationship(lazy="joined", innerjoin=True)

    KIND_LABELS = DISPUTE_KIND_LABELS


class ViolationDispute(IdMixin, DisputeMixin, db.Model):
    """A driver's appeal of a violation, with reasons and evidence; the police client decides by a deadline.

    Accepted, the violation is withdrawn; rejected, the fine is payable again with fifteen days from
    the answer before any late fee. The driver is told of the outcome either way.
    """

    __tablename__ = "traffic_violation_disputes"
    # the police's queue by status, oldest first: one range of it
    __table_args__ = (
        Index("ix_traffic_violation_disputes_police_status_id", "police_client_id", "status", "id"),
        Index("ix_traffic_violation_disputes_police_id", "police_client_id", "id"),  # any status
        Index("ix_traffic_violation_disputes_person_id_id", "person_id", "id"),
    )

    violation_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("traffic_violations.id"), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    raised_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    police_client_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(1000))
    evidence: Mapped[list] = mapped_column(JSON, default=list)  # photo, dashcam or document references
    status: Mapped[str] = mapped_column(String(10), default=DisputeStatus.OPEN)
    answer_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(String(500))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewer: Mapped[str | None] = mapped_column(String(60))  # the officer, as the police name them
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    complaint_tracking_number: Mapped[str | None] = mapped_column(String(40))
    violation: Mapped[Violation] = relationship(lazy="joined", innerjoin=True)

    KIND_LABELS = VIOLATION_DISPUTE_KIND_LABELS
