"""Elder profiles: for residents aged 60+, conditions seen only by the elder's circle, every look logged."""

from __future__ import annotations

from app.core.models import AuditEntry
from app.extensions import db as _db
from tests.eldercare import helpers

PROFILE = "/api/v1/eldercare/profile"
BODY = {
    "living_situation": "alone",
    "care_level": "assisted",
    "conditions": ["高血压", "糖尿病"],
    "emergency_contacts": [{"name": "王阿姨", "relation": "邻居", "phone": "13900000031"}],
    "checkin_by": "09:30",
}


def looks_by(elder, actor) -> list[tuple[str, str]]:
    rows = _db.session.scalars(
        _db.select(AuditEntry).where(
            AuditEntry.subject_person_id == elder.id, AuditEntry.actor_person_id == actor.id
        )
    )
    return [(row.action, row.resource) for row in rows]


def test_an_elder_keeps_a_profile_and_chooses_a_worker(client, auth, make_person, daytime):
    elder = helpers.verified(make_person)
    worker = helpers.worker(make_person)
    saved = client.put(PROFILE, json={**BODY, "worker_phone": worker.phone}, headers=auth(elder))
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert (body["conditions"], body["checkin_by"], body["has_worker"]) == (
        ["高血压", "糖尿病"],
        "09:30",
        True,
    )
    assert body["emergency_contacts"] == [
        {"position": 0, "name": "王阿姨", "relation": "邻居", "phone": "+8613900000031"}
    ]
    assert client.get(PROFILE, headers=auth(elder)).get_json() == body

    mine = client.get("/api/v1/staff/eldercare/elders", headers=auth(worker)).get_json()
    assert [p["person_id"] for p in mine["items"]] == [str(elder.id)]
    assert "conditions" not in mine["items"][0]  # the list shows no health data; one elder's page does
    seen = client.get(f"/api/v1/staff/eldercare/elders/{elder.id}", headers=auth(worker)).get_json()
    assert seen["conditions"] == ["高血压", "糖尿病"]
    assert seen["emergency_contacts"][0]["phone"] == "139****0031"  # staff see it masked
    assert ("read", "elder_profile") in looks_by(elder, worker)


def test_another_worker_and_a_guardian_without_the_scope_see_nothing(client, auth, make_person, daytime):
    elder = helpers.verified(make_person)
    worker, stranger = helpers.worker(make_person), helpers.worker(make_person, name="别的社工")
    helpers.profile(elder, worker=worker)
    bills_only = make_person(name="只管缴费的亲戚")
    helpers.guard(elder, bills_only, scopes=("bills",))
    guardian = make_person(name="李小明")
    helpers.guard(elder, guardian)

    other = client.get(f"/api/v1/staff/eldercare/elders/{elder.id}", headers=auth(stranger))
    assert other.status_code == 404
    refused = client.get(PROFILE, headers=auth(bills_only, **{"X-On-Behalf-Of": str(elder.id)}))
    assert refused.status_code == 403 and "高血压" not in refused.get_data(as_text=True)
    allowed = client.get(PROFILE, headers=auth(guardian, **{"X-On-Behalf-Of": str(elder.id)}))
    assert allowed.status_code == 200 and allowed.get_json()["conditions"] == ["高血压"]
    assert ("read", "elder_profile") in looks_by(elder, guardian)
    resident = client.get(f"/api/v1/staff/eldercare/elders/{elder.id}", headers=auth(guardian))
    assert resident.status_code == 403  # not staff at all


def test_profiles_are_for_verified_residents_aged_60_and_over(client, auth, make_person, daytime):
    unverified = make_person(name="未实名")
    refused = client.put(PROFILE, json=BODY, headers=auth(unverified))
    assert refused.status_code == 409 and refused.get_json()["code"] == "elder-real-name-required"
    young = helpers.verified(make_person, name="年轻人", born=1990)
    assert client.put(PROFILE, json=BODY, headers=auth(young)).get_json()["code"] == "not-an-elder"
    nobody = client.get(PROFILE, headers=auth(young))
    assert nobody.status_code == 404 and nobody.get_json()["code"] == "no-elder-profile"


def test_bad_input_is_refused_and_nothing_is_written(client, auth, make_person, daytime):
    elder = helpers.verified(make_person)
    for bad in (
        {**BODY, "care_level": "bedridden"},
        {**BODY, "checkin_by": "23:30"},
        {**BODY, "emergency_contacts": [{"name": "x", "phone": "12"}]},
        {**BODY, "worker_phone": "13900000099"},
        {**BODY, "person_id": "someone"},
    ):
        response = client.put(PROFILE, json=bad, headers=auth(elder))
        assert response.status_code == 422, bad
        assert response.mimetype == "application/problem+json"
    assert client.get(PROFILE, headers=auth(elder)).status_code == 404


def test_a_guardian_registers_the_elder_s_sos_button(client, auth, family):
    from app.identity import clients

    clients.register_client("care_device", "呼叫平台", client_id="test-care-platform", secret="s")
    proxy = {"X-On-Behalf-Of": str(family["elder"].id)}
    device = client.post(
        "/api/v1/eldercare/devices",
        json={"serial": "SOS-1", "platform": "test-care-platform"},
        headers=auth(family["guardian"], **proxy),
    )
    assert device.status_code == 201, device.get_json()
    listed = client.get("/api/v1/eldercare/devices", headers=auth(family["elder"])).get_json()
    assert [d["serial"] for d in listed["items"]] == ["SOS-1"]
    unknown = client.post(
        "/api/v1/eldercare/devices",
        json={"serial": "SOS-2", "platform": "demo-hospital"},
        headers=auth(family["elder"]),
    )
    assert unknown.status_code == 422
