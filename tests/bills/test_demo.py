"""The demo: three Guiyang billers, the demo resident's accounts and unpaid bills, ready to pay."""

from __future__ import annotations

from app.core.demo import seed_demo
from app.identity.services import person_by_phone
from tests.bills import helpers


def test_the_demo_resident_has_unpaid_bills_of_three_billers_and_seeding_again_changes_nothing(
    client, auth, demo
):
    li = person_by_phone("+8613800000001")
    billers = client.get("/api/v1/bills/billers?city_code=520100").get_json()
    assert {b["code"]: b["category"] for b in billers} == {
        "gy-water": "water",
        "gy-power": "electricity",
        "gy-gas": "gas",
    }
    unpaid = client.get("/api/v1/bills?status=unpaid", headers=auth(li)).get_json()["items"]
    assert len(unpaid) == 4
    assert all(bill["amount"]["amount_fen"] % 100 not in (51, 52, 53) for bill in unpaid)
    overdue = client.get("/api/v1/bills?status=overdue", headers=auth(li)).get_json()["items"]
    assert [bill["biller"]["code"] for bill in overdue] == ["gy-power"]

    seed_demo()
    assert len(client.get("/api/v1/bills?status=unpaid", headers=auth(li)).get_json()["items"]) == 4
    assert len(client.get("/api/v1/bills/accounts", headers=auth(li)).get_json()) == 3

    water = helpers.client_token(client, "demo-water-biller")
    water_bill = next(bill for bill in unpaid if bill["biller"]["code"] == "gy-water")
    assert client.get(f"/api/v1/biller/bills/{water_bill['bill_no']}", headers=water).status_code == 200
