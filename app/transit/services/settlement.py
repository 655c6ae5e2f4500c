"""Daily settlement: each rider's finished trips of a past day are charged as one payment.

The payee is the city's transit clearing house (``payee`` in the fare table), which pays each
operator its lines' share; a day of more trips than one payment takes is charged in parts.

Money moves once per trip: the day is locked while it is settled, each charge claims its trip ids in
payments (a trip is held by one intent at a time) and carries the key ``transit:<rider>:<day>:<n>``.
A trip whose charge failed is unpaid: the rider pays it from the app (:func:`pay_unpaid`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from app.core.actors import Actor, MandateScope
from app.core.calendar import business_date
from app.core.money import Money
from app.core.policy import acting_for
from app.extensions import db
from app.payments import services as payments
from app.transit.errors import NothingToPay
from app.transit.fares import fare_table
from app.transit.models import PaymentState, TransitDay, Trip, TripStatus
from app.transit.services import trips as forming

DOMAIN = "transit"
PAYEE_KIND = "transit_operator"


def settle_days(now: datetime | None = None, limit: int = 500) -> int:
    """Charge every rider's finished, uncharged trips of days before today; returns how many charges."""
    now = now or forming.utcnow()
    today = business_date(now)
    days = db.session.execute(
        db.select(TransitDay.person_id, TransitDay.business_date)
        .where(TransitDay.needs_settling.is_(True), TransitDay.business_date < today)
        .order_by(TransitDay.business_date, TransitDay.person_id)
        .limit(limit)
    ).all()
    return sum(settle_day(person_id, day, now) for person_id, day in days)


def settle_day(person_id: uuid.UUID, day: date, now: datetime | None = None) -> int:
    """Form the rider's day once more (an entry left open is now missing its exit) and charge it."""
    now = now or forming.utcnow()
    transit_day = forming.form_day(person_id, day, now)
    due = list(
        db.session.scalars(
            db.select(Trip)
            .where(
                Trip.person_id == person_id,
                Trip.business_date == day,
                Trip.payment_state == PaymentState.PENDING,
                Trip.status != TripStatus.OPEN,
            )
            .order_by(Trip.started_at, Trip.id)
        )
    )
    charges = 0
    size = payments.MAX_PURPOSE_IDS
    for chunk in (due[start : start + size] for start in range(0, len(due), size)):
        charges += _charge(Actor.system(), person_id, chunk, f"transit:{person_id}:{day}:{chunk[0].id}")
    transit_day.needs_settling = any(trip.status == TripStatus.OPEN for trip in _trips_of(person_id, day))
    transit_day.settled_at = now
    return charges


def _trips_of(person_id: uuid.UUID, day: date) -> list[Trip]:
    return list(
        db.session.scalars(db.select(Trip).where(Trip.person_id == person_id, Trip.business_date == day))
    )


def _charge(actor: Actor, person_id: uuid.UUID, chunk: list[Trip], key: str) -> int:
    """One charge for a chunk of trips (none when they cost nothing); returns how many charges."""
    total = sum(trip.fare_fen for trip in chunk)
    if total == 0:
        for trip in chunk:
            trip.payment_state = PaymentState.FREE
        return 0
    days = ", ".join(sorted({f"{trip.business_date:%Y-%m-%d}" for trip in chunk}))
    intent = payments.create_intent(
        actor,
        person_id,
        payments.Payee(PAYEE_KIND, fare_table().payee),
        Money(total),
        payments.Purpose(DOMAIN, tuple(str(trip.id) for trip in chunk)),
        key,
        description={
            "zh_Hans": f"公交地铁车费 {days}",
            "zh_Hant": f"公交地鐵車費 {days}",
            "en": f"Bus and metro fares {days}",
        },
    )
    for trip in chunk:
        trip.payment_state, trip.payment_id = PaymentState.CHARGING, intent.id
    return 1


def pay_unpaid(actor: Actor, idempotency_key: str):
    """The rider pays their unpaid trips (a failed daily charge) now, in one charge."""
    person_id = acting_for(actor, MandateScope.TRANSIT)
    unpaid = list(
        db.session.scalars(
            db.select(Trip)
            .where(Trip.person_id == person_id, Trip.payment_state == PaymentState.UNPAID)
            .order_by(Trip.started_at, Trip.id)
            .limit(payments.MAX_PURPOSE_IDS)
            .with_for_update(of=Trip)
        )
    )
    if not unpaid:
        raise NothingToPay()
    _charge(actor, person_id, unpaid, idempotency_key)
    return payments.get_intent(actor, unpaid[0].payment_id)


def on_payment_settled(outcome) -> None:
    """How a fare charge ended (in the settling transaction): its trips paid, or unpaid."""
    paid = outcome.status == payments.PaymentStatus.SUCCEEDED
    trips = db.session.scalars(
        db.select(Trip)
        .where(
            Trip.id.in_([uuid.UUID(ref) for ref in outcome.purpose.ids]), Trip.payment_id == outcome.intent_id
        )
        .with_for_update(of=Trip)
    )
    for trip in trips:
        trip.payment_state = PaymentState.PAID if paid else PaymentState.UNPAID


def register() -> None:
    """Let transit charge fares through payments (paying for them is within the transit mandate)."""
    payments.register_purpose(DOMAIN, MandateScope.TRANSIT, on_settled=on_payment_settled)
