"""Parking sessions as the driver sees them: the list, one stay, paying a debt, and what payments tell us."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext, ngettext
from sqlalchemy import bindparam

from app.core import access
from app.core.actors import Actor
from app.core.cards import Card, Urgency, folded
from app.core.models import UTCDateTime, utcnow
from app.core.money import Money
from app.core.pagination import Page, paginate
from app.core.policy import acting_for
from app.extensions import db
from app.parking import notices
from app.parking.errors import NothingToPay
from app.parking.late_fees import local_day
from app.parking.models import ParkingSession, SessionStatus
from app.parking.services._shared import DOMAIN, MANDATE_SCOPE, OPERATOR_PAYEE, late_fee_due, log
from app.payments import services as payments


def list_sessions(actor: Actor, *, status: str | None, cursor: str | None, limit: int) -> Page:
    """The resident's stays, newest first (a family member with a parking mandate sees the grantor's)."""
    resident = access.list_owner(actor, MANDATE_SCOPE, "parking_session")
    stmt = db.select(ParkingSession).where(ParkingSession.person_id == resident)
    if status is not None:
        stmt = stmt.where(ParkingSession.status == status)
    return paginate(stmt, ParkingSession.id, cursor=cursor, limit=limit)


def get_session(actor: Actor, session_id: uuid.UUID, *, lock: bool = False) -> ParkingSession:
    """One of the resident's stays (404 for anyone else's)."""
    return access.load_private(actor, ParkingSession, session_id, scope=MANDATE_SCOPE, lock=lock)


def pay_session(actor: Actor, session_id: uuid.UUID, idempotency_key: str):
    """Pay an unpaid stay in the app (the resident, or a family member under a parking mandate)."""
    payer_id = acting_for(actor, MANDATE_SCOPE)
    session = get_session(actor, session_id, lock=True)
    if session.status == SessionStatus.PAID:
        raise payments.AlreadyPaid()
    if session.status != SessionStatus.UNPAID:
        raise NothingToPay()
    late_fee = session.late_fee  # due today under the lot's tariff; charged with the fee, kept as paid
    intent = payments.create_intent(
        actor,
        payer_id,
        payments.Payee(OPERATOR_PAYEE, session.lot.operator_client_id),
        session.fee + late_fee,
        payments.Purpose(DOMAIN, (str(session.id),)),
        idempotency_key,
        description={locale: f"{name} {session.plate}" for locale, name in session.lot.names.items()},
    )
    session.payment_id, session.late_fee_fen = intent.id, late_fee.fen
    db.session.flush()
    return intent


def on_payment_settled(outcome) -> None:
    """How a parking payment ended (in the settling transaction): the stay is paid, or a debt again."""
    for session in _sessions_of(outcome.purpose.ids):
        if outcome.status == payments.PaymentStatus.SUCCEEDED:
            if session.status == SessionStatus.PAID and session.payment_id == outcome.intent_id:
                continue
            if session.status != SessionStatus.UNPAID:
                log.error(
                    "payment %s succeeded for session %s already %s",
                    outcome.intent_id,
                    session.id,
                    session.status,
                )
            session.status, session.paid_at = SessionStatus.PAID, outcome.at
            session.payment_id, session.paid_by_id = outcome.intent_id, outcome.payer_id
        elif session.payment_id == outcome.intent_id:
            session.payment_id, session.late_fee_fen = None, 0
            if outcome.status == payments.PaymentStatus.FAILED and session.person_id is not None:
                notices.payment_failed(session, outcome.intent_id)
    db.session.flush()


def on_payment_refunded(outcome) -> None:
    """A full refund of a stay (the operator's decision) waives it; a partial one changes nothing here."""
    if not outcome.fully_refunded:
        return
    for session in _sessions_of(outcome.purpose.ids):
        if session.payment_id == outcome.intent_id:
            session.status = SessionStatus.WAIVED
    db.session.flush()


def _sessions_of(ids) -> list[ParkingSession]:
    return list(
        db.session.scalars(
            db.select(ParkingSession)
            .where(ParkingSession.id.in_([uuid.UUID(ref) for ref in ids]))
            .order_by(ParkingSession.id)
            .with_for_update(of=ParkingSession)
            .execution_options(populate_existing=True)
        ).unique()
    )


# --- reminders and the home ----------------------------------------------------------------------


def remind_debts(now: datetime | None = None, limit: int = 500) -> int:
    """Remind drivers of stays still unpaid PARKING_DEBT_REMINDER_HOURS after exit, once per stay."""
    now = now or utcnow()
    horizon = now - timedelta(hours=current_app.config["PARKING_DEBT_REMINDER_HOURS"])
    stmt = (
        db.select(ParkingSession)
        .where(
            ParkingSession.status == SessionStatus.UNPAID,
            ParkingSession.exited_at <= horizon,
            ParkingSession.reminded_at.is_(None),
            ParkingSession.person_id.is_not(None),
            ParkingSession.payment_id.is_(None),
        )
        .order_by(ParkingSession.exited_at, ParkingSession.id)
        .limit(limit)
        .with_for_update(of=ParkingSession, skip_locked=True)
    )
    sessions = list(db.session.scalars(stmt).unique())
    for session in sessions:
        notices.debt_reminder(session)
        session.reminded_at = now
    db.session.flush()
    return len(sessions)


_HOME_DEBTS = db.select(
    db.func.count(ParkingSession.id),
    db.func.coalesce(db.func.sum(ParkingSession.fee_fen), 0),
    db.func.min(ParkingSession.exited_at),
    db.func.coalesce(
        db.func.sum(
            late_fee_due(
                ParkingSession.fee_fen,
                ParkingSession.pay_by,
                ParkingSession.late_daily_permille,
                ParkingSession.late_cap_pct,
            )
        ),
        0,
    ),
).where(
    ParkingSession.person_id == bindparam("person_id"),
    ParkingSession.status == SessionStatus.UNPAID,
    ParkingSession.exited_at <= bindparam("now", type_=UTCDateTime),
)


@folded(_HOME_DEBTS, params=lambda now: {"today": local_day(now)})
def home_cards(row: tuple, person_id: uuid.UUID, now: datetime) -> list[Card]:
    """One card for the resident's unpaid stays and their late fees (one query); urgent past the reminder."""
    count, fees_fen, oldest, late_fen = row
    if not count:
        return []
    late = Money(int(late_fen or 0))
    total = Money(int(fees_fen)) + late
    waited = timedelta(hours=current_app.config["PARKING_DEBT_REMINDER_HOURS"])
    if late.fen:
        body = gettext(
            "%(amount)s in all, %(late_fee)s of it late fees; please pay soon.",
            amount=total.format(),
            late_fee=late.format(),
        )
    else:
        body = gettext("%(amount)s in all; please pay soon.", amount=total.format())
    return [
        Card(
            "parking",
            "parking_unpaid",
            Urgency.NOW if late.fen or (oldest is not None and oldest <= now - waited) else Urgency.TODAY,
            ngettext("%(num)d unpaid parking stay", "%(num)d unpaid parking stays", count),
            body,
            count=count,
            due_at=oldest,
            amount=total,
            target="/api/v1/parking/sessions?status=unpaid",
        )
    ]
