"""A scanner retrying a scan with its scan id gets the first answer, and nothing is counted twice."""

from __future__ import annotations

from datetime import timedelta

from app.access.models import AccessEvent
from app.core import clock
from app.extensions import db
from tests.access import helpers

GATE = "/api/v1/access/gate-scans"
VENUE = "/api/v1/access/venue-scans"


def _scan(client, scanner, body):
    response = client.post(GATE, json=body, headers=scanner())
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _events(person_id) -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(AccessEvent).where(AccessEvent.person_id == person_id)
    )


def test_a_retried_city_code_scan_opens_again_and_is_one_entry(client, gate_scanner, resident, home):
    body = {"gate": "JYHY-N", "code": helpers.code_for(resident), "scan_id": "JYHY-N:000123"}
    first = _scan(client, gate_scanner, body)
    again = _scan(client, gate_scanner, body)
    assert first["admitted"] is True and again == first  # not refused as a replayed code
    assert _events(resident.id) == 1
    without_id = _scan(client, gate_scanner, {"gate": "JYHY-N", "code": body["code"]})
    assert without_id["admitted"] is False and without_id["reason"] == "replayed"


def test_a_retried_pass_scan_counts_one_entry(client, gate_scanner, resident, home, auth):
    until = (clock.utcnow() + timedelta(hours=2)).isoformat()
    body = {"compound_id": str(home.id), "visitor_name": "快递员", "valid_until": until, "max_entries": 1}
    code = client.post("/api/v1/access/passes", json=body, headers=auth(resident)).get_json()["pass_code"]
    scan = {"gate": "JYHY-S", "code": code, "scan_id": "JYHY-S:42"}
    first = _scan(client, gate_scanner, scan)
    again = _scan(client, gate_scanner, scan)
    assert first == again == {**first, "admitted": True, "visitor_name": "快递员", "entries_left": 0}
    another = _scan(client, gate_scanner, {**scan, "scan_id": "JYHY-S:43"})
    assert another["admitted"] is False and another["reason"] == "pass_used_up"
    passes = client.get("/api/v1/access/passes", headers=auth(resident)).get_json()["items"]
    assert passes[0]["entries_used"] == 1
    assert _events(resident.id) == 2


def test_the_same_scan_id_at_a_venue_is_the_venue_scanners_own(
    client, gate_scanner, venue_scanner, resident, home
):
    _scan(client, gate_scanner, {"gate": "JYHY-N", "code": helpers.code_for(resident), "scan_id": "S-1"})
    body = {"venue": "GZMUS", "code": helpers.code_for(resident), "scan_id": "S-1"}
    first = client.post(VENUE, json=body, headers=venue_scanner()).get_json()
    again = client.post(VENUE, json=body, headers=venue_scanner()).get_json()
    assert first == again and first["reason"] == "real_name_required"  # its own answer, kept
    assert _events(resident.id) == 2
