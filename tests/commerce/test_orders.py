"""Order rules: refunds when declined, timed out or cancelled; stock given back; merchants kept apart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.commerce import services
from app.commerce.errors import ListingUnavailable, OrderStateConflict, OutOfStock
from app.commerce.models import OrderStatus
from app.core.actors import Actor, ActorKind
from app.core.errors import Forbidden, NotFound
from app.core.models import utcnow
from app.extensions import db
from app.payments import services as payments
from tests.commerce import helpers
from tests.commerce.helpers import person_actor


def _intent(order):
    return payments.get_intent(Actor.system(), order.payment_id)


def test_a_declined_order_is_refunded_in_full_and_its_stock_returns(resident, owner, shop, water):
    order = helpers.paid_order(resident, water, quantity=3)
    assert order.status == OrderStatus.PAID and water.stock == 7

    services.decline_order(person_actor(owner), shop.id, order.id, "今日售罄")

    db.session.refresh(water)
    assert order.status == OrderStatus.DECLINED and order.refunded.fen == 1500 and water.stock == 10
    assert _intent(order).refunded_fen == 1500
    with pytest.raises(OrderStateConflict):
        services.decline_order(person_actor(owner), shop.id, order.id, "again")
    assert _intent(order).refunded_fen == 1500, "refunded once"


def test_an_order_not_accepted_in_time_is_declined_by_the_sweep_and_refunded(resident, water):
    order = helpers.paid_order(resident, water)
    assert services.decline_unanswered(utcnow() + timedelta(minutes=14)) == 0
    assert services.decline_unanswered(utcnow() + timedelta(minutes=16)) == 1
    assert services.decline_unanswered(utcnow() + timedelta(minutes=17)) == 0
    assert order.status == OrderStatus.DECLINED and order.end_reason == "timed_out"
    assert order.refunded.fen == order.amount.fen


def test_the_resident_cancels_before_acceptance_unpaid_or_paid_but_not_after(resident, owner, shop, water):
    unpaid = helpers.order(resident, water, quantity=2)
    services.cancel_order(person_actor(resident), unpaid.id)
    db.session.refresh(water)
    assert unpaid.status == OrderStatus.CANCELLED and unpaid.refunded.fen == 0 and water.stock == 10

    paid = helpers.paid_order(resident, water)
    services.cancel_order(person_actor(resident), paid.id)
    assert paid.status == OrderStatus.CANCELLED and paid.refunded.fen == 500

    accepted = helpers.paid_order(resident, water)
    services.accept_order(person_actor(owner), shop.id, accepted.id)
    with pytest.raises(OrderStateConflict):
        services.cancel_order(person_actor(resident), accepted.id)
    services.cancel_by_merchant(person_actor(owner), shop.id, accepted.id, "无法配送")
    db.session.refresh(water)
    assert accepted.status == OrderStatus.REFUNDED and accepted.refunded.fen == 500 and water.stock == 10


def test_a_cancellation_the_rules_no_longer_allow_says_why(client, auth, resident, owner, shop, water):
    def cancel(order, **headers):
        return client.post(f"/api/v1/commerce/orders/{order.id}/cancel", headers=auth(resident, **headers))

    paid = helpers.paid_order(resident, water)
    assert cancel(paid).get_json()["refunded"]["amount_fen"] == 500
    again = cancel(paid, **{"Accept-Language": "en"})
    assert again.status_code == 409 and again.get_json()["code"] == "order-state-conflict"
    assert again.get_json()["detail"] == "This order has ended already (Cancelled)."

    done = helpers.paid_order(resident, water)
    services.accept_order(person_actor(owner), shop.id, done.id)
    assert cancel(done).get_json()["detail"] == "商户已接单，如需取消请联系商户。"
    services.mark_ready(person_actor(owner), shop.id, done.id)
    services.confirm_received(person_actor(resident), done.id)
    db.session.commit()
    refused = cancel(done, **{"Accept-Language": "zh-TW"})
    assert refused.status_code == 409 and refused.get_json()["detail"] == "此訂單已完成，無法再取消。"
    assert _intent(paid).refunded_fen == 500 and _intent(done).refunded_fen == 0


def test_stock_runs_out_and_a_withdrawn_or_closed_listing_cannot_be_ordered(resident, owner, shop, water):
    with pytest.raises(OutOfStock):
        helpers.order(resident, water, quantity=11)
    services.update_listing(person_actor(owner), shop.id, water.id, active=False)
    with pytest.raises(ListingUnavailable):
        helpers.order(resident, water)
    services.update_listing(person_actor(owner), shop.id, water.id, active=True)
    services.set_hours(person_actor(owner), shop.id, {"wed": [["08:00", "11:00"]]}, [])
    with pytest.raises(ListingUnavailable):
        helpers.order(resident, water)  # noon on a Wednesday: closed


def test_a_pending_merchants_listing_cannot_be_found_or_ordered(resident, make_person):
    owner = make_person(name="待审店主")
    merchant = services.register_merchant(person_actor(owner), helpers.CENTRE, **helpers.merchant_fields())
    item = helpers.listing(merchant, owner)
    assert services.search_nearby(helpers.CENTRE, radius=1000) == []
    with pytest.raises(NotFound):
        helpers.order(resident, item)


def test_staff_of_one_merchant_never_reach_another_merchants_orders(
    resident, make_person, owner, shop, water
):
    other_owner = make_person(name="别家店主")
    other = helpers.verified_merchant(other_owner)
    staff = make_person(name="店员")
    services.add_member(person_actor(owner), shop.id, staff.phone, "staff")
    order = helpers.paid_order(resident, water)

    as_staff = person_actor(staff)
    assert services.merchant_order(as_staff, shop.id, order.id).id == order.id
    with pytest.raises(NotFound):
        services.merchant_order(as_staff, other.id, order.id)
    with pytest.raises(NotFound):
        services.merchant_order(person_actor(other_owner), shop.id, order.id)
    with pytest.raises(NotFound):
        services.merchant_order(person_actor(other_owner), other.id, order.id)  # not that merchant's order
    with pytest.raises(NotFound):
        services.accept_order(person_actor(other_owner), other.id, order.id)
    with pytest.raises(Forbidden):
        services.add_member(as_staff, shop.id, "+8613900000123", "owner")  # staff do not add members
    assert (
        services.merchant_orders(
            person_actor(other_owner), other.id, status=None, cursor=None, limit=20
        ).items
        == []
    )


def test_a_staff_member_hears_of_new_orders_over_http(
    client, auth, resident, owner, shop, water, make_person
):
    staff = make_person(name="店员")
    added = client.post(
        f"/api/v1/merchant/merchants/{shop.id}/members", json={"phone": staff.phone}, headers=auth(owner)
    )
    assert added.status_code == 201 and added.get_json()["role"] == "staff"
    helpers.paid_order(resident, water)
    orders = client.get(f"/api/v1/merchant/merchants/{shop.id}/orders", headers=auth(staff)).get_json()
    assert len(orders["items"]) == 1 and orders["items"][0]["person_id"] == str(resident.id)
    refused = client.post(
        f"/api/v1/merchant/merchants/{shop.id}/members", json={"phone": "13900000999"}, headers=auth(staff)
    )
    assert refused.status_code == 403


def test_a_family_member_orders_for_an_elder_under_a_commerce_mandate(resident, make_person, water):
    elder = make_person(name="李奶奶")
    proxy = Actor(
        kind=ActorKind.PROXY,
        person_id=resident.id,
        principal_id=elder.id,
        proxy_scopes=frozenset({"commerce"}),
    )
    placed = services.place_order(proxy, water.id, 1, "delivery", "for-grandma", delivery_address="3栋2单元")
    assert placed.person_id == elder.id and placed.placed_by_id == resident.id
    outside = Actor(
        kind=ActorKind.PROXY, person_id=resident.id, principal_id=elder.id, proxy_scopes=frozenset({"bills"})
    )
    with pytest.raises(Forbidden):
        services.place_order(outside, water.id, 1, "pickup", "not-covered")


def test_delivery_needs_an_address_and_a_way_the_listing_offers(resident, owner, shop):
    from app.core.errors import ValidationFailed

    pickup_only = helpers.listing(shop, owner, fulfilment=["pickup"])
    with pytest.raises(ValidationFailed):
        services.place_order(
            person_actor(resident), pickup_only.id, 1, "delivery", "k1", delivery_address="x"
        )
    with pytest.raises(ValidationFailed):
        services.place_order(person_actor(resident), helpers.listing(shop, owner).id, 1, "delivery", "k2")


def test_a_paid_order_waits_for_the_merchant_a_quarter_of_an_hour(resident, water):
    order = helpers.paid_order(resident, water)
    assert order.accept_by == order.paid_at + services.ACCEPT_WITHIN == order.paid_at + timedelta(minutes=15)
