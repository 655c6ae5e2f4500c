"""A family car: a family member under a parking mandate binds the grantor's plate and pays their stays."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.core.calendar import SHANGHAI
from app.core.models import utcnow
from app.identity import services as identity
from tests.parking import helpers


def test_a_family_member_binds_and_pays_within_the_mandate_only(client, db, auth, resident, make_person, lot):
    daughter = make_person(name="女儿")
    identity.grant_mandate(
        helpers.person_actor(resident), grantee_phone=daughter.phone, scopes=["parking"],
        expires_at=utcnow() + timedelta(days=30),
    )  # fmt: skip
    as_daughter = auth(daughter, **{"X-On-Behalf-Of": str(resident.id)})
    bound = client.post(
        "/api/v1/parking/plates", headers=as_daughter, json={"number": "贵A56789", "holder_name": "李小明"}
    )
    assert bound.status_code == 201, bound.get_json()
    assert [p["number"] for p in client.get("/api/v1/parking/plates", headers=auth(resident)).get_json()] == [
        "贵A56789"
    ]
    assert client.get("/api/v1/parking/plates", headers=auth(daughter)).get_json() == []

    exited = helpers.stay(lot, "贵A56789", datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), 45)
    paid = client.post(
        "/api/v1/parking/payments",
        headers={**as_daughter, "Idempotency-Key": "daughter-pays"},
        json={"session_id": str(exited.session_id)},
    )
    assert paid.status_code == 201, paid.get_json()

    log = client.get("/api/v1/me/access-log", headers=auth(resident)).get_json()["items"]
    by_daughter = {(e["action"], e["resource"]) for e in log if e["proxy_person_id"] == str(daughter.id)}
    assert ("pay", "payment_intent") in by_daughter


def test_a_mandate_for_bills_only_does_not_reach_the_car(client, db, auth, resident, make_person):
    neighbour = make_person(name="邻居")
    identity.grant_mandate(
        helpers.person_actor(resident), grantee_phone=neighbour.phone, scopes=["bills"],
        expires_at=utcnow() + timedelta(days=30),
    )  # fmt: skip
    plate = helpers.bind(resident)
    as_neighbour = auth(neighbour, **{"X-On-Behalf-Of": str(resident.id)})
    assert client.get("/api/v1/parking/plates", headers=as_neighbour).status_code == 403
    assert client.get(f"/api/v1/parking/plates/{plate.id}", headers=as_neighbour).status_code == 404
