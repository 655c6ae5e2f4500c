"""Gates under real concurrency (PostgreSQL): 200 exit events for one plate close one stay and charge once."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime

import pytest

from app import create_app
from app.core.calendar import SHANGHAI
from app.extensions import db
from app.parking.models import GateEvent, ParkingLot, ParkingSession
from app.payments.models import PaymentIntent
from config import TestConfig
from tests.concurrency import Committed
from tests.parking import helpers

pytestmark = pytest.mark.postgres

ENTERED = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
EXITED = datetime(2026, 12, 1, 11, 0, tzinfo=SHANGHAI)


@pytest.fixture
def gates(committed):
    """The committed app's database through a pool of 20 connections: 200 gate requests queue for them.

    The database server is shared; a bounded pool is also how a served node meets a burst.
    """
    side = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=committed.app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 20, "max_overflow": 0, "pool_timeout": 120},
        REDIS_URL=committed.app.config.get("REDIS_URL"),
    )
    yield Committed(app=side)
    with side.app_context():
        db.session.remove()
        db.engine.dispose()


def _world(committed):
    suffix = uuid.uuid4().hex[:6]

    def make():
        person = committed.person("并发车主")
        lot = helpers.make_lot(f"race-{suffix}")
        helpers.bind(person, "贵A66666", frictionless=True)
        helpers.gate(lot, "entry", "贵A66666", ENTERED, event_id=f"in-{suffix}")
        return lot.id, lot.code

    return committed.run(make)


def test_200_concurrent_exits_of_one_plate_close_one_stay_and_charge_once(gates):
    committed = gates
    lot_id, code = _world(committed)

    def exit_event(i):
        lot = db.session.get(ParkingLot, lot_id)
        event = helpers.gate(lot, "exit", "贵A66666", EXITED, event_id=f"out-{i % 20}")
        return event.outcome, event.replayed, event.charged

    results = committed.concurrently(200, exit_event)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    outcomes = Counter(outcome for outcome, _replayed, _charged in results)
    assert outcomes["exited"] >= 1 and set(outcomes) <= {"exited", "duplicate_exit"}
    first_answers = [r for r in results if not r[1]]
    assert Counter(o for o, _r, _c in first_answers) == {"exited": 1, "duplicate_exit": 19}

    def state():
        sessions = list(db.session.scalars(db.select(ParkingSession).where(ParkingSession.lot_id == lot_id)))
        intents = db.session.scalar(
            db.select(db.func.count())
            .select_from(PaymentIntent)
            .where(PaymentIntent.purpose_domain == "parking")
        )
        events = db.session.scalar(
            db.select(db.func.count()).select_from(GateEvent).where(GateEvent.lot_id == lot_id)
        )
        return (
            [(s.status, s.fee_fen, s.payment_id is not None) for s in sessions],
            intents,
            events,
            db.session.get(ParkingLot, lot_id).occupied,
        )

    sessions, intents, events, occupied = committed.run(state)
    assert sessions == [("unpaid", 500 + 2 * 200, True)]
    assert intents == 1
    assert events == 21  # the entry and 20 distinct exit ids
    assert occupied == 0
    assert code.startswith("race-")


def test_concurrent_entries_of_one_plate_open_one_stay(gates):
    committed = gates
    suffix = uuid.uuid4().hex[:6]
    lot_id = committed.run(lambda: helpers.make_lot(f"race-in-{suffix}").id)

    def entry(i):
        lot = db.session.get(ParkingLot, lot_id)
        return helpers.gate(lot, "entry", "贵A77777", ENTERED, event_id=f"in-{i}").outcome

    outcomes = Counter(committed.concurrently(30, entry))
    assert outcomes == {"entered": 1, "anomaly": 29}

    def parked():
        return db.session.scalar(
            db.select(db.func.count()).select_from(ParkingSession).where(ParkingSession.lot_id == lot_id)
        ), db.session.get(ParkingLot, lot_id).occupied

    assert committed.run(parked) == (1, 1)
