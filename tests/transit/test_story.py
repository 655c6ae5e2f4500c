"""A rider's day through HTTP: tap in and out of the metro, change to a bus, read the trips, settle once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.core import clock
from app.core.actors import Actor
from app.extensions import db
from app.payments import sandbox
from app.payments import services as payments
from app.payments.models import PaymentIntent
from app.transit import services
from tests.transit import helpers

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI)


def _tap(client, scanner, person, gate, kind, at):
    with clock.frozen(at):
        body = {"gate": gate, "tap_id": helpers.tap_id(), "kind": kind, "code": helpers.code_for(person, at)}
        response = client.post(helpers.TAPS, json=body, headers=scanner())
    assert response.status_code == 200, response.get_data(as_text=True)
    return body, response.get_json()


def test_a_day_of_rides_is_priced_listed_and_charged_once(client, scanner, resident, auth):
    _tap(client, scanner, resident, helpers.gate("M1", "DGG", "IN"), "entry", MORNING)
    _, out = _tap(
        client, scanner, resident, helpers.gate("M1", "BJL", "OUT"), "exit", MORNING + timedelta(minutes=25)
    )
    assert out["outcome"] == "accepted" and out["new"] is True
    _tap(client, scanner, resident, helpers.gate("B2", "PSC"), "entry", MORNING + timedelta(minutes=40))

    with clock.frozen(MORNING + timedelta(hours=1)):
        page = client.get("/api/v1/transit/trips", headers=auth(resident)).get_json()
    bus, metro = page["items"]
    assert metro["status"] == "complete" and metro["distance_km"] == 11.0
    assert metro["fare"]["amount_fen"] == 400  # 6-12 km band
    assert metro["entry_station"]["name"] == "窦官" and metro["exit_station"]["name"] == "北京路"
    assert bus["transfer"] is True and bus["fare"]["amount_fen"] == 100  # 2 yuan less the transfer discount
    detail = client.get(f"/api/v1/transit/trips/{metro['id']}", headers=auth(resident)).get_json()
    assert [tap["kind"] for tap in detail["taps"]] == ["entry", "exit"]

    next_day = MORNING + timedelta(days=1)
    with clock.frozen(next_day):
        assert services.settle_days() == 1
        assert services.settle_days() == 0  # a settled day is not charged again
        sandbox.run(next_day)
    intents = db.session.scalars(db.select(PaymentIntent).where(PaymentIntent.payer_id == resident.id)).all()
    assert [intent.amount_fen for intent in intents] == [500]
    with clock.frozen(next_day):
        trips = client.get("/api/v1/transit/trips", headers=auth(resident)).get_json()["items"]
    assert {trip["payment_state"] for trip in trips} == {"paid"}


def test_a_retried_tap_is_the_same_tap_and_opens_the_gate_again(client, scanner, resident):
    body, first = _tap(client, scanner, resident, helpers.gate("M1", "DGG", "IN"), "entry", MORNING)
    with clock.frozen(MORNING + timedelta(seconds=3)):
        again = client.post(helpers.TAPS, json=body, headers=scanner()).get_json()
    assert again["outcome"] == "accepted" and again["new"] is False


def test_a_code_shown_at_two_gates_is_flagged_and_charged_to_nobody(client, scanner, resident, auth):
    with clock.frozen(MORNING):
        code = helpers.code_for(resident, MORNING)
        for gate in ("M1-DGG-IN", "M1-GYB-IN"):
            body = {"gate": gate, "tap_id": helpers.tap_id(), "kind": "entry", "code": code}
            result = client.post(helpers.TAPS, json=body, headers=scanner()).get_json()
        trips = client.get("/api/v1/transit/trips", headers=auth(resident)).get_json()["items"]
    assert result["outcome"] == "flagged"
    assert len(trips) == 1


def test_a_gate_of_another_scanner_is_unknown(client, scanner, resident, db):
    helpers.network("other-transit-scanner")  # the gates now belong to another scanner
    with clock.frozen(MORNING):
        body = {
            "gate": "M1-DGG-IN",
            "tap_id": helpers.tap_id(),
            "kind": "entry",
            "code": helpers.code_for(resident),
        }
        response = client.post(helpers.TAPS, json=body, headers=scanner())
    assert response.status_code == 404 and response.get_json()["code"] == "unknown-gate"


def test_an_entry_without_exit_is_charged_the_maximum_fare(client, scanner, resident, auth):
    _tap(client, scanner, resident, helpers.gate("M1", "DGG", "IN"), "entry", MORNING)
    with clock.frozen(MORNING + timedelta(hours=1)):
        (trip,) = client.get("/api/v1/transit/trips", headers=auth(resident)).get_json()["items"]
    assert trip["status"] == "open" and trip["fare"]["amount_fen"] == 0
    with clock.frozen(MORNING + timedelta(days=1)):
        services.settle_days()
        (trip,) = client.get("/api/v1/transit/trips", headers=auth(resident)).get_json()["items"]
        home = client.get("/api/v1/me/home", headers=auth(resident)).get_json()
    assert trip["status"] == "incomplete" and trip["fare"]["amount_fen"] == 1000
    assert "incomplete_trips" in str(home)


def test_a_failed_daily_charge_leaves_unpaid_trips_the_rider_pays_once(client, scanner, resident, auth):
    _tap(client, scanner, resident, helpers.gate("B2", "PSC"), "entry", MORNING)
    next_day = MORNING + timedelta(days=1)
    with clock.frozen(next_day):
        services.settle_days()
        (intent,) = db.session.scalars(db.select(PaymentIntent).where(PaymentIntent.payer_id == resident.id))
        payments.cancel_intent(Actor.system(), intent.id)  # the provider never took the money
        home = client.get("/api/v1/me/home", headers=auth(resident)).get_json()
        assert "unpaid_fares" in str(home)
        headers = {**auth(resident), "Idempotency-Key": "pay-fares-1"}
        paid = client.post("/api/v1/transit/trips/pay", headers=headers)
        assert paid.status_code == 201, paid.get_data(as_text=True)
        assert paid.get_json()["amount"]["amount_fen"] == 200
        again = client.post("/api/v1/transit/trips/pay", headers=headers)
        assert again.get_json()["id"] == paid.get_json()["id"]  # the same key: the same payment
        sandbox.run(next_day)
        (trip,) = client.get("/api/v1/transit/trips", headers=auth(resident)).get_json()["items"]
        assert trip["payment_state"] == "paid"
        nothing = client.post(
            "/api/v1/transit/trips/pay", headers={**auth(resident), "Idempotency-Key": "k2"}
        )
        assert nothing.status_code == 404 and nothing.get_json()["code"] == "nothing-to-pay"
