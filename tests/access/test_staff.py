"""The community worker registers residents; a resident who moves out loses the gate and their passes."""

from __future__ import annotations

from datetime import timedelta

from app.core import clock
from tests.access import helpers

GATE = "/api/v1/access/gate-scans"


def test_the_community_worker_registers_and_removes_a_resident(
    client, compounds, gate_scanner, make_person, auth
):
    worker, person = make_person("community_worker"), make_person(name="新住户")
    home = compounds[0]
    url = f"/api/v1/staff/access/compounds/{home.id}/residents"
    by_resident = client.post(url, json={"phone": person.phone}, headers=auth(person))
    assert by_resident.status_code == 403
    registered = client.post(url, json={"phone": person.phone, "unit": "5栋"}, headers=auth(worker))
    assert registered.status_code == 201 and registered.get_json()["unit"] == "5栋"
    body = {
        "compound_id": str(home.id),
        "visitor_name": "亲戚",
        "valid_until": (clock.utcnow() + timedelta(hours=3)).isoformat(),
    }
    visitor_pass = client.post("/api/v1/access/passes", json=body, headers=auth(person)).get_json()

    def scan(code):
        return client.post(GATE, json={"gate": "JYHY-N", "code": code}, headers=gate_scanner()).get_json()

    assert scan(helpers.code_for(person))["admitted"] is True
    removed = client.delete(f"{url}/{person.id}", headers=auth(worker))
    assert removed.status_code == 204
    assert scan(helpers.code_for(person))["reason"] == "not_resident"
    assert scan(visitor_pass["pass_code"])["reason"] == "pass_revoked"
    assert client.delete(f"{url}/{person.id}", headers=auth(worker)).status_code == 404


def test_registering_an_unknown_phone_is_refused(client, compounds, make_person, auth):
    worker = make_person("community_worker")
    url = f"/api/v1/staff/access/compounds/{compounds[0].id}/residents"
    response = client.post(url, json={"phone": "13912345678"}, headers=auth(worker))
    assert response.status_code == 422 and "phone" in response.get_json()["errors"]
