"""A resident's complaint about a merchant goes to 12345 with the order attached, to market supervision."""

from __future__ import annotations

import pytest

from app.city.demo import seed_city
from app.complaints.demo import seed_complaints
from app.extensions import db
from app.notifications.models import OutboxMessage
from tests.commerce import helpers

COMPLAINT = {"description": "买到的矿泉水已经过期了，商家拒绝退换。"}


@pytest.fixture
def routed_city(db):
    """The demo city's departments, the 12345 categories and routing rules."""
    seed_city()
    seed_complaints()


def _templates(person) -> list[str]:
    return list(
        db.session.scalars(db.select(OutboxMessage.template).where(OutboxMessage.recipient_id == person.id))
    )


def test_a_complaint_about_a_paid_order_goes_to_market_supervision_with_the_order_attached(
    client, auth, make_person, routed_city, resident, owner, water
):
    order = helpers.paid_order(resident, water, quantity=2)
    url = f"/api/v1/commerce/orders/{order.id}/complaint"
    filed = client.post(url, json=COMPLAINT, headers=auth(resident))
    assert filed.status_code == 201, filed.get_json()
    complaint = filed.get_json()
    assert complaint["tracking_number"].startswith("12345-") and complaint["order_id"] == str(order.id)
    assert complaint["status"] == "dispatched"  # routed at once by the 市场监管 rule

    again = client.post(url, json={"description": "再次投诉这家店"}, headers=auth(resident))
    assert again.status_code == 201 and again.get_json()["complaint_id"] == complaint["complaint_id"]

    mine = client.get("/api/v1/complaints", headers=auth(resident)).get_json()["items"]
    assert [c["tracking_number"] for c in mine] == [complaint["tracking_number"]]
    seen = client.get(f"/api/v1/complaints/{complaint['complaint_id']}", headers=auth(resident)).get_json()
    assert seen["category"]["code"] == "0603" and seen["description"] == COMPLAINT["description"]
    assert seen["attachment"]["kind"] == "commerce_order"
    order_view = client.get(f"/api/v1/commerce/orders/{order.id}", headers=auth(resident)).get_json()
    assert order_view["complaint_tracking_number"] == complaint["tracking_number"]

    handler = make_person("department_handler", department="city-market-regulation", name="市监承办人")
    staff_view = client.get(f"/api/v1/staff/complaints/{complaint['complaint_id']}", headers=auth(handler))
    assert staff_view.status_code == 200, staff_view.get_json()
    attached = staff_view.get_json()["attachment"]
    assert attached["reference"] == f"commerce_order:{order.id}"
    facts = {fact["label"]: fact["value"] for fact in attached["facts"]}
    assert facts["商家"] == "测试便利店" and facts["订单"] == str(order.id)
    assert facts["统一社会信用代码"] == order.merchant.credit_code and facts["金额"] == "¥10.00"
    english = client.get(
        f"/api/v1/staff/complaints/{complaint['complaint_id']}",
        headers=auth(handler, **{"Accept-Language": "en"}),
    ).get_json()["attachment"]
    assert english["title"] == "Complaint about a merchant: 测试便利店"

    assert _templates(owner).count("commerce_order_complained") == 1  # the merchant told once


def test_another_residents_order_is_not_found_and_an_unpaid_one_cannot_be_complained_about(
    client, auth, routed_city, resident, other_resident, water
):
    order = helpers.paid_order(resident, water)
    stranger = client.post(
        f"/api/v1/commerce/orders/{order.id}/complaint", json=COMPLAINT, headers=auth(other_resident)
    )
    assert stranger.status_code == 404
    assert client.get("/api/v1/complaints", headers=auth(other_resident)).get_json()["items"] == []
    unpaid = helpers.order(resident, water)
    early = client.post(
        f"/api/v1/commerce/orders/{unpaid.id}/complaint", json=COMPLAINT, headers=auth(resident)
    )
    assert early.status_code == 409
    assert client.get("/api/v1/complaints", headers=auth(resident)).get_json()["items"] == []
    short = client.post(
        f"/api/v1/commerce/orders/{order.id}/complaint", json={"description": "差"}, headers=auth(resident)
    )
    assert short.status_code == 422
