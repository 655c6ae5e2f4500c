"""Traffic violations: the police file by plate; the holder (or family) sees and pays the fine once."""

from __future__ import annotations

from datetime import timedelta

from app.core.models import utcnow
from app.identity import services as identity
from app.notifications.models import OutboxMessage
from app.parking.models import Violation
from app.payments import sandbox
from tests.parking import helpers

PROBLEM = "application/problem+json"


def _filing(reference: str = "GY-2026-000123", plate: str = "贵A12345", fine: int = 20_000) -> dict:
    return {
        "reference": reference,
        "plate": plate,
        "occurred_at": "2026-11-28T09:30:00+08:00",
        "place": "南明区遵义路与中华南路交叉口",
        "offence_code": "1625",
        "offence": "驾驶机动车违反道路交通信号灯通行",
        "fine": {"amount_fen": fine},
        "points": 6,
    }


def test_the_police_file_the_holder_sees_it_and_pays_once(
    client, db, auth, resident, other_resident, police_headers
):
    helpers.bind(resident)
    filed = client.post("/api/v1/police/violations", headers=police_headers, json=_filing())
    assert filed.status_code == 201, filed.get_json()
    again = client.post("/api/v1/police/violations", headers=police_headers, json=_filing())
    assert again.status_code == 200 and again.get_json()["id"] == filed.get_json()["id"]
    changed = client.post("/api/v1/police/violations", headers=police_headers, json=_filing(fine=5_000))
    assert changed.status_code == 409 and changed.mimetype == PROBLEM
    notices = [m for m in db.session.scalars(db.select(OutboxMessage)) if m.template == "violation_filed"]
    assert [m.recipient_id for m in notices] == [resident.id]

    mine = client.get("/api/v1/violations?status=unpaid", headers=auth(resident)).get_json()["items"]
    assert [(v["reference"], v["points"], v["fine"]["amount_fen"]) for v in mine] == [
        ("GY-2026-000123", 6, 20_000)
    ]
    violation_id = mine[0]["id"]
    assert client.get("/api/v1/violations", headers=auth(other_resident)).get_json()["items"] == []
    assert client.get(f"/api/v1/violations/{violation_id}", headers=auth(other_resident)).status_code == 404
    stranger_pays = client.post(
        "/api/v1/violations/payments",
        headers=auth(other_resident, **{"Idempotency-Key": "stranger"}),
        json={"violation_id": violation_id},
    )
    assert stranger_pays.status_code == 404

    home = client.get("/api/v1/me/home", headers=auth(resident)).get_json()
    (card,) = [c for c in home["mine"]["cards"] if c["kind"] == "violations_unpaid"]
    assert card["amount"]["amount_fen"] == 20_000 and card["target"].startswith("/api/v1/violations")

    paid = client.post(
        "/api/v1/violations/payments",
        headers=auth(resident, **{"Idempotency-Key": "fine-1"}),
        json={"violation_id": violation_id},
    )
    assert paid.status_code == 201, paid.get_json()
    assert paid.get_json()["payee"] == {"kind": "traffic_police", "id": helpers.POLICE}
    twice = client.post(
        "/api/v1/violations/payments",
        headers=auth(resident, **{"Idempotency-Key": "fine-2"}),
        json={"violation_id": violation_id},
    )
    assert twice.status_code == 409
    sandbox.run()
    shown = client.get(f"/api/v1/violations/{violation_id}", headers=auth(resident)).get_json()
    assert shown["status"] == "paid" and shown["payment_id"] == paid.get_json()["id"]
    after = client.post(
        "/api/v1/violations/payments",
        headers=auth(resident, **{"Idempotency-Key": "fine-3"}),
        json={"violation_id": violation_id},
    )
    assert after.status_code == 409 and after.get_json()["code"] == "payment-already-paid"
    police_view = client.get("/api/v1/police/violations/GY-2026-000123", headers=police_headers).get_json()
    assert police_view["status"] == "paid"
    withdrawn = client.post("/api/v1/police/violations/GY-2026-000123/withdraw", headers=police_headers)
    assert withdrawn.status_code == 409


def test_a_plate_bound_later_shows_the_fines_filed_before(client, db, auth, resident, police_headers):
    client.post("/api/v1/police/violations", headers=police_headers, json=_filing("EARLY-1"))
    assert client.get("/api/v1/violations", headers=auth(resident)).get_json()["items"] == []
    helpers.bind(resident)
    assert [
        v["reference"] for v in client.get("/api/v1/violations", headers=auth(resident)).get_json()["items"]
    ] == ["EARLY-1"]


def test_a_family_member_under_a_parking_mandate_pays_the_fine(
    client, db, auth, resident, make_person, police_headers
):
    son = make_person(name="儿子")
    helpers.bind(resident)
    identity.grant_mandate(
        helpers.person_actor(resident),
        grantee_phone=son.phone,
        scopes=["parking"],
        expires_at=utcnow() + timedelta(days=30),
    )
    violation = helpers.file()
    as_son = auth(son, **{"X-On-Behalf-Of": str(resident.id)})
    listed = client.get("/api/v1/violations", headers=as_son)
    assert listed.status_code == 200, listed.get_json()
    assert [v["id"] for v in listed.get_json()["items"]] == [str(violation.id)]
    paid = client.post(
        "/api/v1/violations/payments",
        headers={**as_son, "Idempotency-Key": "son-pays"},
        json={"violation_id": str(violation.id)},
    )
    assert paid.status_code == 201, paid.get_json()
    sandbox.run()
    assert db.session.get(Violation, violation.id).status == "paid"
    assert client.get("/api/v1/violations", headers=auth(son)).get_json()["items"] == []


def test_a_withdrawn_violation_asks_nothing(client, db, auth, resident, police_headers):
    helpers.bind(resident)
    client.post("/api/v1/police/violations", headers=police_headers, json=_filing("WRONG-1"))
    withdrawn = client.post("/api/v1/police/violations/WRONG-1/withdraw", headers=police_headers)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    (item,) = client.get("/api/v1/violations", headers=auth(resident)).get_json()["items"]
    paying = client.post(
        "/api/v1/violations/payments",
        headers=auth(resident, **{"Idempotency-Key": "w-1"}),
        json={"violation_id": item["id"]},
    )
    assert paying.status_code == 409 and paying.get_json()["code"] == "nothing-to-pay"


def test_only_the_police_client_files_and_reads_its_own(client, db, auth, resident, police_headers, lot):
    assert client.post("/api/v1/police/violations", headers=auth(resident), json=_filing()).status_code == 403
    operator = helpers.client_token(client, helpers.OPERATOR)
    assert client.post("/api/v1/police/violations", headers=operator, json=_filing()).status_code == 403
    client.post("/api/v1/police/violations", headers=police_headers, json=_filing("MINE-1"))
    helpers.register_client("other-police", "traffic_police")
    other = helpers.client_token(client, "other-police")
    assert client.get("/api/v1/police/violations/MINE-1", headers=other).status_code == 404
    bad_plate = client.post(
        "/api/v1/police/violations", headers=police_headers, json=_filing("BAD", plate="XX")
    )
    assert bad_plate.status_code == 422 and bad_plate.mimetype == PROBLEM
