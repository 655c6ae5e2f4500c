"""Offline gates upload their taps later: replayed batches change nothing, late taps complete trips."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.core import clock
from app.extensions import db
from app.payments.models import PaymentIntent
from app.transit import services
from app.transit.models import Tap, Trip
from tests.transit import helpers

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 3, 7, 30, tzinfo=SHANGHAI)


def _read(person, gate, kind, at):
    return {"gate": gate, "tap_id": helpers.tap_id(), "kind": kind, "code": helpers.code_for(person, at),
            "tapped_at": at.isoformat()}  # fmt: skip


def _upload(client, scanner, taps, at):
    with clock.frozen(at):
        response = client.post(helpers.BATCH, json={"taps": taps}, headers=scanner())
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _trips(person):
    rows = db.session.scalars(db.select(Trip).where(Trip.person_id == person.id).order_by(Trip.started_at))
    return [(t.id, t.status, t.fare_fen, t.entry_station_id, t.exit_station_id) for t in rows]


def test_a_day_of_taps_replayed_twice_gives_the_same_trips_and_one_charge_per_rider(
    client, scanner, make_person
):
    riders = [make_person(name=f"乘客{i}") for i in range(3)]
    day = []
    for i, rider in enumerate(riders):
        start = DAY + timedelta(minutes=7 * i)
        day += [
            _read(rider, "M1-DGG-IN", "entry", start),
            _read(rider, "M1-XMG-OUT", "exit", start + timedelta(minutes=40)),
            _read(rider, "M2-ZZL-IN", "entry", start + timedelta(hours=9)),
            _read(rider, "M1-GYB-OUT", "exit", start + timedelta(hours=9, minutes=30)),
        ]
    evening = DAY + timedelta(hours=12)
    first = _upload(client, scanner, day, evening)
    assert first["counts"] == {"new": 12, "already_held": 0}
    before = {rider.id: _trips(rider) for rider in riders}
    again = _upload(client, scanner, list(reversed(day)), evening + timedelta(minutes=5))
    assert again["counts"] == {"new": 0, "already_held": 12}
    assert {rider.id: _trips(rider) for rider in riders} == before
    # 窦官 -> 小孟工业园 26.5 km: 6 yuan; 遵义路 -> 中山西路 -> 贵阳北站 5.5 + 6.7 = 12.2 km: 5 yuan
    assert [fare for _, _, fare, _, _ in before[riders[0].id]] == [600, 500]

    with clock.frozen(DAY + timedelta(days=1)):
        assert services.settle_days() == 3
        _upload(client, scanner, day, DAY + timedelta(days=1, minutes=1))
        assert services.settle_days() == 0
    for rider in riders:
        intents = db.session.scalars(db.select(PaymentIntent).where(PaymentIntent.payer_id == rider.id)).all()
        assert [intent.amount_fen for intent in intents] == [1100]


def test_an_exit_uploaded_late_completes_the_trip_it_belongs_to(client, scanner, resident):
    entry = DAY
    with clock.frozen(entry):
        body = {
            "gate": "M1-DGG-IN",
            "tap_id": helpers.tap_id(),
            "kind": "entry",
            "code": helpers.code_for(resident),
        }
        assert client.post(helpers.TAPS, json=body, headers=scanner()).get_json()["outcome"] == "accepted"
    (trip,) = _trips(resident)
    assert trip[1] == "open"
    _upload(
        client,
        scanner,
        [_read(resident, "M1-GYB-OUT", "exit", entry + timedelta(minutes=12))],
        entry + timedelta(hours=2),
    )
    ((trip_id, status, fare, _, exit_station),) = _trips(resident)
    assert (trip_id, status, fare) == (trip[0], "complete", 400)  # the same trip, now 6.5 km


def test_the_same_code_uploaded_by_two_gates_is_flagged(client, scanner, resident):
    code = helpers.code_for(resident, DAY)
    at = DAY.isoformat()
    taps = [{"gate": gate, "tap_id": helpers.tap_id(), "kind": "entry", "code": code, "tapped_at": at}
            for gate in ("M1-DGG-IN", "M2-BXL-IN")]  # fmt: skip
    result = _upload(client, scanner, taps, DAY + timedelta(hours=3))
    assert sorted(tap["outcome"] for tap in result["taps"]) == ["accepted", "flagged"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Tap).where(Tap.outcome == "flagged")) == 1


def test_a_tap_dated_in_the_future_refuses_the_whole_batch(client, scanner, resident):
    taps = [
        _read(resident, "M1-DGG-IN", "entry", DAY),
        _read(resident, "M1-GYB-OUT", "exit", DAY + timedelta(days=1)),
    ]
    with clock.frozen(DAY + timedelta(hours=1)):
        response = client.post(helpers.BATCH, json={"taps": taps}, headers=scanner())
    assert response.status_code == 422 and response.get_json()["code"] == "tap-time-refused"
    assert _trips(resident) == []
