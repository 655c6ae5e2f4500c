"""A lot managed: its operator changes capacity and tariff, an administrator registers it."""

from __future__ import annotations

from app.core import clock
from app.core.actors import Role
from tests.parking import helpers

NIGHT_FREE = {
    "unit_minutes": 60,
    "periods": [
        {"start": "08:00", "end": "20:00", "unit_fen": 300},
        {"start": "20:00", "end": "08:00", "unit_fen": 0},
    ],
    "late_fee": {"grace_days": 7, "daily_permille": 5, "cap_pct": 50},
}


def test_the_operator_changes_capacity_and_tariff_and_drivers_see_them(client, db, lot, operator_headers):
    url = f"/api/v1/operator/lots/{lot.code}"
    changed = client.patch(url, headers=operator_headers, json={"capacity": 40, "tariff": NIGHT_FREE})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["capacity"], body["tariff"]["late_fee"]["grace_days"]) == (40, 7)
    shown = client.get(f"/api/v1/parking/lots/{lot.id}?stay_minutes=120").get_json()
    assert shown["capacity"] == 40 and shown["stay_fee"]["amount_fen"] == 600  # noon: two hours at 3 yuan
    early = helpers.stay(lot, "贵A55555", helpers.datetime.fromisoformat("2026-12-01T09:00:00+08:00"), 60)
    assert early.fee_fen == 500  # a stay over before the change (its exit told late) keeps the old tariff
    helpers.gate(lot, "entry", "贵A66666", helpers.datetime.fromisoformat("2026-12-01T11:00:00+08:00"))
    with clock.frozen(helpers.datetime.fromisoformat("2026-12-01T13:00:00+08:00")):
        crossing = helpers.gate(
            lot, "exit", "贵A66666", helpers.datetime.fromisoformat("2026-12-01T13:00:00+08:00")
        )
    assert crossing.fee_fen == 500 + 300  # the old first hour until noon, then an hour at the new 3 yuan
    closed = client.patch(url, headers=operator_headers, json={"active": False})
    assert closed.get_json()["active"] is False
    assert client.get(f"/api/v1/parking/lots/{lot.id}").status_code == 404
    assert client.get(url, headers=operator_headers).get_json()["active"] is False


def test_bad_changes_are_problems(client, db, lot, operator_headers):
    url = f"/api/v1/operator/lots/{lot.code}"
    gap = {"unit_minutes": 60, "periods": [{"start": "08:00", "end": "20:00", "unit_fen": 300}]}
    assert client.patch(url, headers=operator_headers, json={"tariff": gap}).status_code == 422
    early = {**NIGHT_FREE, "late_fee": {"grace_days": 1, "daily_permille": 5}}
    refused = client.patch(url, headers=operator_headers, json={"tariff": early})
    assert refused.status_code == 422 and "late_fee.grace_days" in str(refused.get_json())
    assert client.patch(url, headers=operator_headers, json={}).status_code == 422
    assert client.patch(url, headers=operator_headers, json={"capacity": 0}).status_code == 422


def test_one_operator_never_changes_another_operators_lot(client, db, auth, resident, lot):
    helpers.register_client(helpers.OTHER_OPERATOR)
    other = helpers.client_token(client, helpers.OTHER_OPERATOR)
    url = f"/api/v1/operator/lots/{lot.code}"
    refused = client.patch(url, headers=other, json={"capacity": 1})
    assert (refused.status_code, refused.get_json()["code"]) == (403, "not-the-lot-operator")
    assert client.get(url, headers=other).status_code == 403
    assert client.patch(url, headers=auth(resident), json={"capacity": 1}).status_code == 403
    assert client.get("/api/v1/operator/lots/no-such-lot", headers=other).status_code == 404
    assert client.get(f"/api/v1/parking/lots/{lot.id}").get_json()["capacity"] == 100


def test_an_administrator_registers_a_lot(client, db, auth, make_person, resident):
    admin = make_person(Role.ADMIN, name="管理员")
    helpers.register_client(helpers.OPERATOR)
    lot = {
        "names": {"zh_Hans": "筑城广场停车场", "en": "Zhucheng Square car park"},
        "operator_client_id": helpers.OPERATOR,
        "kind": "lot",
        "capacity": 300,
        "tariff": NIGHT_FREE,
        "point": {"lat": 26.5790, "lng": 106.7165, "coord_system": "gcj02"},
    }
    saved = client.put("/api/v1/staff/parking/lots/gy-zhucheng", headers=auth(admin), json=lot)
    assert saved.status_code == 200, saved.get_json()
    assert (saved.get_json()["code"], saved.get_json()["capacity"]) == ("gy-zhucheng", 300)
    assert abs(saved.get_json()["lat"] - 26.5790) > 1e-4  # GCJ-02 stored as WGS84
    near = client.get("/api/v1/parking/lots?near=26.5790,106.7165&coord_system=gcj02&radius=500").get_json()
    assert [item["code"] for item in near] == ["gy-zhucheng"]
    assert client.put("/api/v1/staff/parking/lots/gy-x", headers=auth(resident), json=lot).status_code == 403
    nameless = {**lot, "names": {"en": "x"}}
    assert (
        client.put("/api/v1/staff/parking/lots/gy-x", headers=auth(admin), json=nameless).status_code == 422
    )
