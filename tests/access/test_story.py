"""Residents through their compound's gate, a visitor with a pass, the library's entrance: through HTTP."""

from __future__ import annotations

from datetime import timedelta

from app.core import clock
from app.core.actors import Actor, ActorKind
from app.identity import services as identity
from tests.access import helpers
from tests.social_security.helpers import national_id

GATE = "/api/v1/access/gate-scans"
VENUE = "/api/v1/access/venue-scans"


def _scan(client, scanner, gate, code, direction="in"):
    response = client.post(GATE, json={"gate": gate, "code": code, "direction": direction}, headers=scanner())
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_resident_passes_their_gate_and_another_compound_refuses(
    client, gate_scanner, resident, home, auth
):
    assert _scan(client, gate_scanner, "JYHY-N", helpers.code_for(resident))["admitted"] is True
    refused = _scan(client, gate_scanner, "QLXQ-E", helpers.code_for(resident))
    assert refused == {**refused, "admitted": False, "reason": "not_resident"}
    again = _scan(client, gate_scanner, "JYHY-S", helpers.code_for(resident), "out")
    assert again["admitted"] is True
    (compound,) = client.get("/api/v1/access/compounds", headers=auth(resident)).get_json()
    assert compound["compound"]["name"] == "金阳花园" and [
        g["code"] for g in compound["compound"]["gates"]
    ] == [
        "JYHY-N",
        "JYHY-S",
    ]
    events = client.get("/api/v1/access/events", headers=auth(resident)).get_json()["items"]
    assert [(e["place"], e["direction"], e["admitted"]) for e in events] == [
        ("南门", "out", True),
        ("东门", "in", False),
        ("北门", "in", True),
    ]


def test_a_visitor_pass_counts_its_entries_and_runs_out(client, gate_scanner, resident, home, auth):
    now = clock.utcnow()
    until = (now + timedelta(hours=6)).isoformat()
    body = {"compound_id": str(home.id), "visitor_name": "王阿姨", "valid_until": until, "max_entries": 2}
    created = client.post("/api/v1/access/passes", json=body, headers=auth(resident))
    assert created.status_code == 201, created.get_data(as_text=True)
    visitor_pass = created.get_json()
    code = visitor_pass["pass_code"]
    assert visitor_pass["status"] == "active" and code.startswith("YMTP-")

    first = _scan(client, gate_scanner, "JYHY-N", code)
    assert first == {**first, "admitted": True, "visitor_name": "王阿姨", "entries_left": 1}
    assert _scan(client, gate_scanner, "JYHY-N", code, "out")["admitted"] is True  # leaving counts no entry
    assert _scan(client, gate_scanner, "QLXQ-E", code)["reason"] == "other_compound"
    assert _scan(client, gate_scanner, "JYHY-S", code)["entries_left"] == 0
    assert _scan(client, gate_scanner, "JYHY-S", code)["reason"] == "pass_used_up"

    events = client.get(
        f"/api/v1/access/passes/{visitor_pass['id']}/events", headers=auth(resident)
    ).get_json()
    assert len(events["items"]) == 5 and {e["visitor_name"] for e in events["items"]} == {"王阿姨"}
    home_page = client.get("/api/v1/me/home", headers=auth(resident)).get_json()
    assert "pass_expiring" not in str(home_page)  # used up: nothing to remind


def test_a_pass_expires_and_a_revoked_pass_no_longer_opens(client, gate_scanner, resident, home, auth):
    now = clock.utcnow()
    until = (now + timedelta(hours=2)).isoformat()
    body = {"compound_id": str(home.id), "visitor_name": "快递小哥", "valid_until": until, "max_entries": 5}
    visitor_pass = client.post("/api/v1/access/passes", json=body, headers=auth(resident)).get_json()
    assert "pass_expiring" in str(client.get("/api/v1/me/home", headers=auth(resident)).get_json())
    with clock.frozen(now + timedelta(hours=3)):
        assert _scan(client, gate_scanner, "JYHY-N", visitor_pass["pass_code"])["reason"] == "pass_expired"
        late = client.post(f"/api/v1/access/passes/{visitor_pass['id']}/revoke", headers=auth(resident))
        assert late.status_code == 409 and late.get_json()["code"] == "pass-not-active"

    other = client.post("/api/v1/access/passes", json=body, headers=auth(resident)).get_json()
    revoked = client.post(f"/api/v1/access/passes/{other['id']}/revoke", headers=auth(resident)).get_json()
    assert revoked["status"] == "revoked"
    assert _scan(client, gate_scanner, "JYHY-N", other["pass_code"])["reason"] == "pass_revoked"


def test_passes_only_for_my_own_compound_and_within_a_week(client, resident, home, compounds, auth):
    until = (clock.utcnow() + timedelta(days=1)).isoformat()
    elsewhere = {"compound_id": str(compounds[1].id), "visitor_name": "访客", "valid_until": until}
    assert client.post("/api/v1/access/passes", json=elsewhere, headers=auth(resident)).status_code == 404
    too_long = {
        **elsewhere,
        "compound_id": str(home.id),
        "valid_until": (clock.utcnow() + timedelta(days=8)).isoformat(),
    }
    response = client.post("/api/v1/access/passes", json=too_long, headers=auth(resident))
    assert response.status_code == 422 and "valid_until" in response.get_json()["errors"]


def test_the_library_learns_the_card_number_and_the_museum_wants_a_real_name(
    client, venue_scanner, resident, compounds, auth
):
    venues = {v["code"]: v for v in client.get("/api/v1/access/venues").get_json()}
    no_card = client.post(
        VENUE, json={"venue": "GYLIB", "code": helpers.code_for(resident)}, headers=venue_scanner()
    )
    assert no_card.get_json()["reason"] in ("real_name_required", "no_card")
    card = client.post(
        f"/api/v1/access/venues/{venues['GYLIB']['id']}/card", headers=auth(resident)
    ).get_json()
    identity.verify_real_name(Actor(kind=ActorKind.PERSON, person_id=resident.id), "李小明", national_id())
    admitted = client.post(
        VENUE, json={"venue": "GYLIB", "code": helpers.code_for(resident)}, headers=venue_scanner()
    ).get_json()
    assert admitted == {**admitted, "admitted": True, "card_no": card["card_no"]}
    museum = client.post(
        VENUE, json={"venue": "GZMUS", "code": helpers.code_for(resident)}, headers=venue_scanner()
    ).get_json()
    assert museum["admitted"] is True and museum["card_no"] is None
    gate = client.post(GATE, json={"gate": "GYLIB", "code": "x"}, headers=venue_scanner())
    assert gate.status_code == 404 and gate.get_json()["code"] == "unknown-access-point"
