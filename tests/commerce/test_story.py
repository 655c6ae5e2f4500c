"""The whole order story over HTTP: register, verify, list, search, order, pay, fulfil, confirm, review."""

from __future__ import annotations

import uuid

from app.commerce.models import Listing
from app.core.geo import wgs84_to_gcj02
from app.extensions import db
from app.notifications.models import OutboxMessage
from tests.commerce import helpers

PROBLEM = "application/problem+json"


def _register(client, auth, owner, **overrides):
    body = {
        "name": "花果园便民店",
        "category": "retail",
        "credit_code": helpers.credit_code(),
        "licence_name": "贵阳市南明区花果园便民店",
        "legal_representative": "吴刚",
        "address": "贵阳市南明区花果园街道",
        "phone": "13800000018",
        "location": {"lat": 26.5565, "lng": 106.6910},
        "opening_hours": helpers.ALL_DAY,
        **overrides,
    }
    return client.post("/api/v1/merchant/merchants", json=body, headers=auth(owner))


def _notices(person) -> list[str]:
    return list(
        db.session.scalars(
            db.select(OutboxMessage.template)
            .where(OutboxMessage.recipient_id == person.id)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    )


def test_a_resident_finds_orders_pays_once_and_reviews_a_verified_merchant(
    client, auth, make_person, resident, other_resident
):
    owner, officer = make_person(name="店主"), make_person("community_worker", name="街道办")
    registered = _register(client, auth, owner)
    assert registered.status_code == 201, registered.get_json()
    merchant = registered.get_json()
    assert merchant["status"] == "pending"
    owner_headers = auth(owner)

    listed = client.post(
        f"/api/v1/merchant/merchants/{merchant['id']}/listings",
        json={"title": "矿泉水", "price": {"amount_fen": 300}, "stock": 5,
              "fulfilment": ["pickup", "delivery"], "translations": {"en": {"title": "Bottled water"}}},
        headers=owner_headers,
    )  # fmt: skip
    assert listed.status_code == 201, listed.get_json()
    listing = listed.get_json()

    near = {"near": "26.5560,106.6905", "radius": 1000}
    assert (
        client.get("/api/v1/commerce/nearby", query_string=near).get_json()["items"] == []
    )  # not verified yet

    pending = client.get("/api/v1/staff/commerce/merchants", headers=auth(officer)).get_json()["items"]
    assert merchant["id"] in [item["id"] for item in pending]
    decided = client.post(
        f"/api/v1/staff/commerce/merchants/{merchant['id']}/decision", json={"verified": True},
        headers=auth(officer),
    )  # fmt: skip
    assert decided.get_json()["status"] == "verified"

    lat, lng = wgs84_to_gcj02(26.5560, 106.6905)
    found = client.get(
        "/api/v1/commerce/nearby",
        query_string={
            "near": f"{lat},{lng}",
            "coord_system": "gcj02",
            "category": "retail",
            "open_now": "true",
        },
        headers={"Accept-Language": "en"},
    ).get_json()["items"]
    assert [item["id"] for item in found] == [listing["id"]]
    assert found[0]["title"] == "Bottled water" and found[0]["open_now"] is True
    assert 50 < found[0]["distance_m"] < 100 and found[0]["delivers_here"] is True

    resident_headers = auth(resident, **{"Idempotency-Key": "order-1"})
    body = {"listing_id": listing["id"], "quantity": 2, "fulfilment": "pickup"}
    placed = client.post("/api/v1/commerce/orders", json=body, headers=resident_headers)
    assert placed.status_code == 201, placed.get_json()
    order = placed.get_json()
    assert order["status"] == "awaiting_payment" and order["amount"]["amount_fen"] == 600
    assert order["payment"]["status"] == "pending"
    again = client.post("/api/v1/commerce/orders", json=body, headers=resident_headers)
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json()["id"] == order["id"]
    assert db.session.get(Listing, uuid.UUID(listing["id"])).stock == 3  # taken once

    helpers.settle()
    url = f"/api/v1/commerce/orders/{order['id']}"
    assert client.get(url, headers=auth(resident)).get_json()["status"] == "paid"
    assert client.get(url, headers=auth(other_resident)).status_code == 404

    review = client.post(f"{url}/review", json={"rating": 5}, headers=auth(resident))
    assert review.status_code == 409 and review.get_json()["code"] == "order-not-reviewable"

    base = f"/api/v1/merchant/merchants/{merchant['id']}/orders/{order['id']}"
    queue = client.get(f"/api/v1/merchant/merchants/{merchant['id']}/orders", headers=owner_headers)
    assert [item["id"] for item in queue.get_json()["items"]] == [order["id"]]
    assert client.post(f"{base}/accept", headers=owner_headers).get_json()["status"] == "accepted"
    assert client.post(f"{base}/ready", headers=owner_headers).get_json()["status"] == "ready"

    home = client.get("/api/v1/me/home", headers=auth(resident)).get_json()
    ready = [card for card in home["mine"]["cards"] if card["kind"] == "order_ready"]
    assert [card["title"] for card in ready] == ["1 笔订单已备好"]

    completed = client.post(f"{url}/complete", headers=auth(resident))
    assert completed.get_json()["status"] == "completed" and completed.get_json()["reviewable"] is True
    home = client.get("/api/v1/me/home", headers=auth(resident)).get_json()
    assert "order_to_review" in [card["kind"] for card in home["mine"]["cards"]]

    reviewed = client.post(f"{url}/review", json={"rating": 4, "text": "很方便"}, headers=auth(resident))
    assert reviewed.status_code == 201, reviewed.get_json()
    twice = client.post(f"{url}/review", json={"rating": 1}, headers=auth(resident))
    assert twice.status_code == 409 and twice.get_json()["code"] == "order-already-reviewed"
    replied = client.post(
        f"/api/v1/merchant/merchants/{merchant['id']}/reviews/{reviewed.get_json()['id']}/reply",
        json={"reply": "谢谢惠顾"}, headers=owner_headers,
    )  # fmt: skip
    assert replied.get_json()["reply"] == "谢谢惠顾"

    public = client.get(f"/api/v1/commerce/merchants/{merchant['id']}").get_json()
    assert public["rating"] == 4.0 and public["rating_count"] == 1
    reviews = client.get(f"/api/v1/commerce/merchants/{merchant['id']}/reviews").get_json()["items"]
    assert [(r["rating"], r["text"], r["reply"]) for r in reviews] == [(4, "很方便", "谢谢惠顾")]

    assert _notices(resident) == ["commerce_order_paid", "commerce_order_accepted", "commerce_order_ready"]
    assert _notices(owner) == ["commerce_merchant_decided", "commerce_new_order"]


def test_a_review_is_refused_without_a_completed_order_of_ones_own(
    client, auth, resident, other_resident, water
):
    placed = helpers.paid_order(resident, water)
    refused = client.post(
        f"/api/v1/commerce/orders/{placed.id}/review", json={"rating": 5}, headers=auth(other_resident)
    )
    assert refused.status_code == 404 and refused.mimetype == PROBLEM
    own = client.post(
        f"/api/v1/commerce/orders/{placed.id}/review", json={"rating": 5}, headers=auth(resident)
    )
    assert own.status_code == 409


def test_bad_registrations_are_refused_and_nothing_is_kept(client, auth, make_person):
    owner = make_person(name="店主")
    bad = _register(client, auth, owner, credit_code="91520102MA6T000010")
    assert bad.status_code == 422 and "credit_code" in bad.get_json()["errors"]
    hours = _register(client, auth, owner, opening_hours={"mon": [["25:00", "08:00"]]})
    assert hours.status_code == 422 and "opening_hours" in hours.get_json()["errors"]
    code = helpers.credit_code()
    assert _register(client, auth, owner, credit_code=code).status_code == 201
    taken = _register(client, auth, owner, credit_code=code)
    assert taken.status_code == 409 and taken.get_json()["code"] == "merchant-already-registered"
