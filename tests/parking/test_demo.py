"""The demo: Guiyang lots of the demo operator, 李小明's plate with frictionless pay, one unpaid fine."""

from __future__ import annotations

from app.core.demo import seed_demo
from app.identity.services import person_by_phone
from tests.parking import helpers


def test_the_demo_driver_parks_at_a_demo_lot_and_seeding_again_changes_nothing(client, auth, demo):
    li = person_by_phone("+8613800000001")
    lots = client.get("/api/v1/parking/lots?near=26.5560,106.6905&radius=10000").get_json()
    assert {lot["code"] for lot in lots} == {"gy-huaguoyuan", "gy-qianling", "gy-zhonghua-rd"}
    assert lots[0]["code"] == "gy-huaguoyuan" and lots[0]["distance_m"] == 0
    (plate,) = client.get("/api/v1/parking/plates", headers=auth(li)).get_json()
    assert plate["number"] == "贵A12345" and plate["frictionless"] is True
    (fine,) = client.get("/api/v1/violations?status=unpaid", headers=auth(li)).get_json()["items"]
    assert fine["fine"]["amount_fen"] == 20_000 and fine["points"] == 6

    seed_demo()
    assert len(client.get("/api/v1/parking/plates", headers=auth(li)).get_json()) == 1
    assert len(client.get("/api/v1/violations", headers=auth(li)).get_json()["items"]) == 1

    operator = helpers.client_token(client, "demo-parking-operator")
    occupancy = client.put(
        "/api/v1/operator/lots/gy-qianling/occupancy", headers=operator, json={"occupied": 12}
    )
    assert occupancy.status_code == 200 and occupancy.get_json()["free_spaces"] == 288
    police = helpers.client_token(client, "demo-traffic-police")
    assert (
        client.get("/api/v1/police/violations/DEMO-VIO-0001", headers=police).get_json()["status"] == "unpaid"
    )
