"""Gate events from operators: entries open stays, exits price and (with frictionless pay) charge them.

An event id is the gate's own: the same event again returns what it did the first time, even when
the two arrive at once (the unique key settles it). What does not add up — an exit without an
entry, a second entry of a parked car — is recorded as an anomaly the operator resolves; an entry
arriving after its exit (out of order) completes the stay it belongs to.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from flask_babel import gettext
from sqlalchemy.orm import contains_eager

from app.core.actors import Actor
from app.core.calendar import business_date
from app.core.errors import NotFound, ValidationFailed
from app.core.models import add_new, utcnow
from app.core.pagination import Page, paginate
from app.core.policy import is_client
from app.core.views import WithFacts, with_facts
from app.extensions import db
from app.identity import services as identity
from app.parking import notices
from app.parking.errors import AnomalyResolved, CityCodeRefused, EventIdReused, NotTheOperator
from app.parking.late_fees import local_day
from app.parking.models import (
    DUPLICATE_EXIT_WINDOW_MINUTES,
    AnomalyKind,
    AnomalyStatus,
    Direction,
    EventOutcome,
    GateAnomaly,
    GateEvent,
    ParkingLot,
    ParkingPass,
    ParkingSession,
    PassKind,
    SessionStatus,
    is_new_energy,
)
from app.parking.services._shared import DOMAIN, OPERATOR_PAYEE, WRITE_SCOPE, log, operator_lot
from app.parking.services.plates import checked_plate, holder_of
from app.parking.tariff import Pass, price_stay, tariff_of
from app.payments import services as payments

LATE_ENTRY_WINDOW = timedelta(days=7)  # how far back an entry may complete an exit without entry
RESOLUTIONS = ("dismissed", "entered_at")


def record_gate_event(
    actor: Actor,
    lot_code: str,
    event_id: str,
    direction: str,
    plate: str,
    gate: str,
    occurred_at: datetime,
    photo_ref: str | None = None,
    city_code: str | None = None,
) -> WithFacts:
    """Record an entry or exit once per event id; the event, whether the gate opens, and the fee."""
    lot = operator_lot(actor, lot_code)
    plate = checked_plate(plate, "plate")
    if occurred_at > utcnow() + timedelta(minutes=5):
        raise ValidationFailed({"occurred_at": [gettext("An event cannot happen in the future.")]})
    fields = {"lot_id": lot.id, "direction": direction, "plate": plate, "occurred_at": occurred_at}
    existing = _event(actor.client_id, event_id)
    if existing is not None:
        return _replayed(existing, fields)
    driver = _driver_of(actor, city_code) if city_code else None
    event = GateEvent(
        client_id=actor.client_id,
        event_id=event_id,
        gate=gate,
        photo_ref=photo_ref,
        outcome="received",
        **fields,
    )
    if not add_new(event):  # the gate's retry raced its first send: one of them recorded it
        return _replayed(_event(actor.client_id, event_id), fields)
    if direction == Direction.ENTRY:
        _enter(event, lot, driver)
    else:
        _exit(event, lot, driver)
    db.session.flush()
    return event_view(event)


def _driver_of(actor: Actor, city_code: str) -> uuid.UUID:
    """The driver whose city code the gate scanned (purpose ``parking``; written to their scan log)."""
    verification = identity.verify_city_code(actor, city_code, "parking")
    if not verification.valid:
        raise CityCodeRefused(verification.message, reason=verification.reason)
    return verification.person_id


def _event(client_id: str, event_id: str) -> GateEvent | None:
    return db.session.scalar(
        db.select(GateEvent)
        .where(GateEvent.client_id == client_id, GateEvent.event_id == event_id)
        .execution_options(populate_existing=True)
    )


def _replayed(event: GateEvent, fields: dict) -> WithFacts:
    """The first outcome of an event sent again; other contents under the same id are refused."""
    if any(getattr(event, name) != value for name, value in fields.items()):
        raise EventIdReused()
    return event_view(event, replayed=True)


def event_view(event: GateEvent, *, replayed: bool = False) -> WithFacts:
    """The event as the operator's gate reads the answer: open or not, the stay and its fee."""
    session = db.session.get(ParkingSession, event.session_id) if event.session_id else None
    return with_facts(
        event,
        replayed=replayed,
        fee_fen=session.fee_fen if session is not None and event.direction == Direction.EXIT else None,
        session_status=session.status if session is not None else None,
        charged=event.payment_id is not None,
    )


# --- entries --------------------------------------------------------------------------------------


def _enter(event: GateEvent, lot: ParkingLot, driver: uuid.UUID | None = None) -> None:
    late = _exit_waiting_for(event)
    if late is not None:
        _complete_late(event, lot, late)
        return
    holder = holder_of(event.plate)
    session = ParkingSession(
        lot_id=lot.id,
        plate=event.plate,
        person_id=holder.person_id if holder else driver,
        entered_at=event.occurred_at,
        entry_gate=event.gate,
        status=SessionStatus.PARKED,
    )
    if not add_new(session):  # the plate is parked here already
        parked = _parked_session(lot, event.plate, lock=False)
        anomaly = _anomaly(event, AnomalyKind.DOUBLE_ENTRY, parked.id if parked else None)
        event.outcome, event.anomaly_id = EventOutcome.ANOMALY, anomaly.id
        event.session_id = parked.id if parked else None
        return
    session.lot = lot
    _move_occupancy(lot, +1)
    event.outcome, event.session_id = EventOutcome.ENTERED, session.id
    if session.person_id is not None:
        notices.entered(session)


def _exit_waiting_for(event: GateEvent) -> GateAnomaly | None:
    """An open exit-without-entry of the plate, after this entry: the entry came late."""
    return db.session.scalar(
        db.select(GateAnomaly)
        .where(
            GateAnomaly.lot_id == event.lot_id,
            GateAnomaly.plate == event.plate,
            GateAnomaly.kind == AnomalyKind.EXIT_WITHOUT_ENTRY,
            GateAnomaly.status == AnomalyStatus.OPEN,
            GateAnomaly.occurred_at > event.occurred_at,
            GateAnomaly.occurred_at <= event.occurred_at + LATE_ENTRY_WINDOW,
        )
        .order_by(GateAnomaly.occurred_at)
        .limit(1)
        .with_for_update()
    )


def _complete_late(event: GateEvent, lot: ParkingLot, anomaly: GateAnomaly) -> None:
    exit_event = db.session.get(GateEvent, anomaly.event_id)
    session = _session_between(lot, event.plate, event.occurred_at, event.gate)
    _close(session, lot, exit_event)
    anomaly.status, anomaly.resolution, anomaly.resolved_at = AnomalyStatus.RESOLVED, "late_entry", utcnow()
    anomaly.session_id = session.id
    exit_event.session_id = session.id
    event.outcome, event.session_id = EventOutcome.MATCHED_LATE, session.id


def _session_between(lot: ParkingLot, plate: str, entered_at: datetime, gate: str) -> ParkingSession:
    holder = holder_of(plate)
    session = ParkingSession(
        lot_id=lot.id,
        plate=plate,
        person_id=holder.person_id if holder else None,
        entered_at=entered_at,
        entry_gate=gate,
        status=SessionStatus.FREE,
    )
    session.lot = lot
    db.session.add(session)
    db.session.flush()
    return session


# --- exits ----------------------------------------------------------------------------------------


def _exit(event: GateEvent, lot: ParkingLot, driver: uuid.UUID | None = None) -> None:
    session = _parked_session(lot, event.plate, lock=True)
    if session is None:
        recent = _recently_closed(lot, event)
        if recent is not None:
            event.outcome, event.session_id = EventOutcome.DUPLICATE_EXIT, recent.id
            return
        anomaly = _anomaly(event, AnomalyKind.EXIT_WITHOUT_ENTRY, None)
        event.outcome, event.anomaly_id = EventOutcome.ANOMALY, anomaly.id
        return
    if session.person_id is None:
        session.person_id = driver
    _close(session, lot, event)
    _move_occupancy(lot, -1)
    event.outcome, event.session_id = EventOutcome.EXITED, session.id


def _parked_session(lot: ParkingLot, plate: str, *, lock: bool) -> ParkingSession | None:
    stmt = db.select(ParkingSession).where(
        ParkingSession.lot_id == lot.id,
        ParkingSession.plate == plate,
        ParkingSession.status == SessionStatus.PARKED,
    )
    if lock:
        stmt = stmt.with_for_update(of=ParkingSession).execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def _recently_closed(lot: ParkingLot, event: GateEvent) -> ParkingSession | None:
    window = timedelta(minutes=DUPLICATE_EXIT_WINDOW_MINUTES)
    return db.session.scalar(
        db.select(ParkingSession)
        .where(
            ParkingSession.lot_id == lot.id,
            ParkingSession.plate == event.plate,
            ParkingSession.exited_at >= event.occurred_at - window,
            ParkingSession.exited_at <= event.occurred_at + window,
        )
        .order_by(ParkingSession.exited_at.desc())
        .limit(1)
    )


def _close(session: ParkingSession, lot: ParkingLot, event: GateEvent) -> None:
    """Price the stay at the exit event's time; charge it when its plate has frictionless pay on."""
    passes = _passes(lot, session.plate, session.entered_at, event.occurred_at)
    quote = price_stay(
        tariff_of(lot.tariff),
        session.entered_at,
        event.occurred_at,
        new_energy=is_new_energy(session.plate),
        passes=passes,
        changes=lot.tariff_changes,
    )
    holder = holder_of(session.plate)
    if session.person_id is None and holder is not None:
        session.person_id = holder.person_id
    session.exited_at, session.exit_gate = event.occurred_at, event.gate
    session.fee_fen, session.gross_fen = quote.fee_fen, quote.gross_fen
    session.status = SessionStatus.UNPAID if quote.fee_fen else SessionStatus.FREE
    session.keep_late_fee_rule(lot.rules_at(event.occurred_at).late_fee, local_day(event.occurred_at))
    db.session.flush()
    charge_now = session.status == SessionStatus.UNPAID and holder is not None and holder.frictionless
    if charge_now and holder.person_id == session.person_id:
        _charge_frictionless(session, lot, event)
    if session.person_id is not None:
        notices.exited(session)


def _charge_frictionless(session: ParkingSession, lot: ParkingLot, event: GateEvent) -> None:
    """Charge the stay through the ledger with the exit event as the key; money moves once."""
    try:
        with db.session.begin_nested():
            intent = payments.create_intent(
                Actor.system(),
                session.person_id,
                payments.Payee(OPERATOR_PAYEE, lot.operator_client_id),
                session.fee,
                payments.Purpose(DOMAIN, (str(session.id),)),
                f"parking:exit:{event.id}",
                description={locale: f"{name} {session.plate}" for locale, name in lot.names.items()},
            )
    except (payments.PaymentInProgress, payments.AlreadyPaid) as error:
        log.info("frictionless charge of session %s skipped: %s", session.id, error.code)
        return
    session.payment_id, session.frictionless, event.payment_id = intent.id, True, intent.id


def _passes(lot: ParkingLot, plate: str, entered_at: datetime, exited_at: datetime) -> list[Pass]:
    rows = db.session.scalars(
        db.select(ParkingPass).where(
            ParkingPass.lot_id == lot.id,
            ParkingPass.plate == plate,
            ParkingPass.valid_from <= business_date(exited_at),
            ParkingPass.valid_until >= business_date(entered_at),
        )
    )
    return [
        Pass(
            row.valid_from,
            row.valid_until,
            (time.fromisoformat(row.hours_start), time.fromisoformat(row.hours_end))
            if row.hours_start
            else None,
        )
        for row in rows
    ]


def _move_occupancy(lot: ParkingLot, change: int) -> None:
    """Occupancy follows the sessions between the operator's own counts (never below 0 or over capacity)."""
    bound = ParkingLot.occupied < ParkingLot.capacity if change > 0 else ParkingLot.occupied > 0
    moved = db.update(ParkingLot).where(ParkingLot.id == lot.id, bound)
    db.session.execute(
        moved.values(occupied=ParkingLot.occupied + change), execution_options={"synchronize_session": False}
    )
    db.session.expire(lot, ["occupied"])


def _anomaly(event: GateEvent, kind: AnomalyKind, session_id: uuid.UUID | None) -> GateAnomaly:
    anomaly = GateAnomaly(
        lot_id=event.lot_id,
        operator_client_id=event.client_id,  # the lot's operator: its gate reported the event
        kind=kind,
        plate=event.plate,
        event_id=event.id,
        occurred_at=event.occurred_at,
        session_id=session_id,
    )
    db.session.add(anomaly)
    db.session.flush()
    return anomaly


# --- the operator's side ----------------------------------------------------------------------------


def list_anomalies(actor: Actor, *, status: str | None, cursor: str | None, limit: int) -> Page:
    """Anomalies at the acting operator's lots, oldest first."""
    stmt = (
        db.select(GateAnomaly)
        .join(GateAnomaly.lot)
        .options(contains_eager(GateAnomaly.lot))  # the lot it shows: one join
        .where(GateAnomaly.operator_client_id == actor.client_id)  # one index range, however many lots
    )
    if status is not None:
        stmt = stmt.where(GateAnomaly.status == status)
    return paginate(stmt, GateAnomaly.id, cursor=cursor, limit=limit, newest_first=False)


def resolve_anomaly(
    actor: Actor, anomaly_id: uuid.UUID, resolution: str, entered_at: datetime | None = None, note: str = ""
) -> GateAnomaly:
    """Dismiss an anomaly, or give the entry time an exit lacked (the stay is priced and charged)."""
    anomaly = db.session.get(GateAnomaly, anomaly_id, with_for_update=True, populate_existing=True)
    if anomaly is None:
        raise NotFound()
    if not is_client(actor, anomaly.operator_client_id, WRITE_SCOPE):
        raise NotTheOperator()
    if anomaly.status != AnomalyStatus.OPEN:
        raise AnomalyResolved()
    if resolution == "entered_at":
        _resolve_with_entry(anomaly, entered_at)
    anomaly.status, anomaly.resolution = AnomalyStatus.RESOLVED, resolution
    anomaly.note, anomaly.resolved_at = note.strip()[:200] or None, utcnow()
    db.session.flush()
    return anomaly


def _resolve_with_entry(anomaly: GateAnomaly, entered_at: datetime | None) -> None:
    if anomaly.kind != AnomalyKind.EXIT_WITHOUT_ENTRY:
        raise ValidationFailed({"resolution": [gettext("Only an exit without entry takes an entry time.")]})
    if entered_at is None or entered_at >= anomaly.occurred_at:
        raise ValidationFailed({"entered_at": [gettext("Give an entry time before the exit.")]})
    exit_event = db.session.get(GateEvent, anomaly.event_id)
    session = _session_between(anomaly.lot, anomaly.plate, entered_at, "")
    _close(session, anomaly.lot, exit_event)
    anomaly.session_id = exit_event.session_id = session.id


def issue_pass(
    actor: Actor,
    lot_code: str,
    plate: str,
    kind: str,
    valid_from,
    valid_until,
    hours: tuple[time, time] | None = None,
) -> ParkingPass:
    """The operator issues a monthly pass or resident permit for a plate (stays inside it are free)."""
    lot = operator_lot(actor, lot_code)
    if valid_until < valid_from:
        raise ValidationFailed({"valid_until": [gettext("The pass must end on or after its first day.")]})
    record = ParkingPass(
        lot_id=lot.id,
        plate=checked_plate(plate, "plate"),
        kind=PassKind(kind),
        valid_from=valid_from,
        valid_until=valid_until,
        hours_start=hours[0].strftime("%H:%M") if hours else None,
        hours_end=hours[1].strftime("%H:%M") if hours else None,
    )
    db.session.add(record)
    db.session.flush()
    return record
