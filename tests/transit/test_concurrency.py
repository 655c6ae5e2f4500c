"""Gates contending for one rider at once (PostgreSQL): one tap per tap id, one trip, one charge."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.core import clock
from app.extensions import db
from app.payments.models import PaymentIntent
from app.transit import services
from app.transit.models import Tap, Trip
from tests.transit import helpers

pytestmark = pytest.mark.postgres
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 4, 8, 0, tzinfo=SHANGHAI)


def _person_and_code(committed, at):
    rider = committed.person("并发乘客")
    code = committed.run(lambda: helpers.code_for(rider, at))
    return rider, code


def test_a_tap_sent_by_four_retries_at_once_is_one_tap_and_one_trip(committed):
    committed.run(helpers.network)
    rider, code = _person_and_code(committed, DAY)
    request = services.TapRequest(gate="M1-DGG-IN", tap_id=helpers.tap_id(), kind="entry", code=code)

    def tap(_i):
        with clock.frozen(DAY + timedelta(seconds=2)):
            tap, _new = services.record_tap(helpers.scanner_actor(), request)
            return tap.outcome

    results = committed.concurrently(4, tap)
    assert results == ["accepted"] * 4, results
    assert committed.count(Tap, Tap.person_id == rider.id) == 1
    assert committed.count(Trip, Trip.person_id == rider.id) == 1


def test_taps_of_one_rider_at_two_gates_at_once_form_one_trip_charged_once(committed):
    committed.run(helpers.network)
    rider = committed.person("并发乘客")
    entry_code = committed.run(lambda: helpers.code_for(rider, DAY))
    exit_code = committed.run(lambda: helpers.code_for(rider, DAY + timedelta(minutes=20)))
    taps = [
        services.TapRequest("M1-DGG-IN", helpers.tap_id(), "entry", entry_code, DAY),
        services.TapRequest("M1-BJL-OUT", helpers.tap_id(), "exit", exit_code, DAY + timedelta(minutes=20)),
    ]

    def upload(i):
        with clock.frozen(DAY + timedelta(hours=2)):
            services.upload_taps(helpers.scanner_actor(), [taps[i % 2]])

    assert [r for r in committed.concurrently(4, upload) if r is not None] == []
    trips = committed.run(lambda: [(t.status, t.fare_fen) for t in db.session.scalars(
        db.select(Trip).where(Trip.person_id == rider.id))])  # fmt: skip
    assert trips == [("complete", 400)]

    def settle(_i):
        with clock.frozen(DAY + timedelta(days=1)):
            return services.settle_days()

    results = committed.concurrently(3, settle)
    assert committed.count(PaymentIntent, PaymentIntent.payer_id == rider.id) == 1, results


def test_two_reviewers_upholding_one_dispute_at_once_refund_it_once(committed):
    from app.core.actors import Actor, ActorKind
    from app.core.money import Money
    from app.payments import sandbox
    from app.payments.models import PaymentRefund
    from app.transit.errors import FareDisputeDecided

    committed.run(helpers.network)
    rider, code = _person_and_code(committed, DAY)

    def ride_and_pay():
        with clock.frozen(DAY + timedelta(hours=1)):
            request = services.TapRequest("M1-DGG-IN", helpers.tap_id(), "entry", code, DAY)
            services.upload_taps(helpers.scanner_actor(), [request])  # no exit: the maximum fare
        with clock.frozen(DAY + timedelta(days=1)):
            services.settle_days()
            sandbox.run(DAY + timedelta(days=1))

    committed.run(ride_and_pay)

    def dispute():
        trip = db.session.scalar(db.select(Trip).where(Trip.person_id == rider.id))
        return services.raise_dispute(
            Actor(kind=ActorKind.PERSON, person_id=rider.id), trip.id, kind="missing_tap"
        ).id

    dispute_id = committed.run(dispute)
    reviewer = Actor(kind=ActorKind.CLIENT, client_id="clearing", scopes=frozenset({"transit:disputes"}))

    def uphold(i):
        with clock.frozen(DAY + timedelta(days=1, hours=2)):
            decided = services.decide_dispute(
                reviewer, dispute_id, accepted=True, answer=f"复核 {i}", refund=Money(500)
            )
            return decided.refund_fen

    results = committed.concurrently(4, uphold)
    assert sorted(r for r in results if isinstance(r, int)) == [500], results
    assert all(isinstance(r, FareDisputeDecided) for r in results if not isinstance(r, int)), results
    assert committed.count(PaymentRefund, PaymentRefund.reason == f"transit fare dispute {dispute_id}") == 1
