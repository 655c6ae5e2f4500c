"""The city code at the gate: a driver without a bound plate shows it, and the stay is theirs."""

from __future__ import annotations

from datetime import datetime

from app.core.calendar import SHANGHAI
from app.identity import services as identity
from tests.parking.helpers import person_actor

ENTERED = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


def _event(client, headers, event_id, direction, at, **extra):
    body = {
        "event_id": event_id, "lot_code": "test-lot", "direction": direction, "plate": "贵A31313",
        "gate": "G1", "occurred_at": at.isoformat(), **extra,
    }  # fmt: skip
    return client.post("/api/v1/operator/gate-events", headers=headers, json=body)


def test_a_driver_without_a_bound_plate_shows_the_city_code_and_the_stay_is_theirs(
    client, db, auth, resident, lot, operator_headers
):
    code = identity.my_city_code(person_actor(resident)).code
    entered = _event(client, operator_headers, "cc-in", "entry", ENTERED, city_code=code)
    assert entered.status_code == 200, entered.get_json()
    used_again = _event(client, operator_headers, "cc-in-2", "entry", ENTERED, city_code=code)
    assert used_again.status_code == 422 and used_again.get_json()["reason"] == "replayed"
    retried = _event(client, operator_headers, "cc-in", "entry", ENTERED, city_code=code)
    assert retried.get_json()["replayed"] is True  # a gate's retry is answered before the code is checked

    exited = _event(client, operator_headers, "cc-out", "exit", ENTERED.replace(hour=10))
    assert exited.get_json()["fee"]["amount_fen"] == 500 and exited.get_json()["charged"] is False
    (stay,) = client.get("/api/v1/parking/sessions", headers=auth(resident)).get_json()["items"]
    assert stay["plate"] == "贵A31313" and stay["status"] == "unpaid"
    scans = client.get("/api/v1/me/citycode/scans", headers=auth(resident)).get_json()["items"]
    assert {scan["purpose"] for scan in scans} == {"parking"}


def test_a_forged_code_is_refused(client, lot, operator_headers):
    response = _event(client, operator_headers, "cc-bad", "entry", ENTERED, city_code="not.a.code")
    assert response.status_code == 422 and response.get_json()["code"] == "city-code-refused"
