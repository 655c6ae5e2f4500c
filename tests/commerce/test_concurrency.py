"""Stock is never oversold and an order is placed once, under real concurrency on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.commerce.models import Listing, Order
from app.core.actors import Actor, ActorKind, Role
from app.core.clock import frozen
from app.extensions import db
from app.identity import services as identity
from app.identity import tokens
from app.payments.models import PaymentIntent
from tests.commerce import helpers

pytestmark = pytest.mark.postgres


def _world(committed, stock: int, buyers: int):
    def make():
        owner, _ = identity.get_or_create_person(f"+86135{uuid.uuid4().int % 10**8:08d}", "并发店主")
        merchant = helpers.verified_merchant(owner)
        item = helpers.listing(merchant, owner, stock=stock)
        people = [
            identity.get_or_create_person(f"+86134{uuid.uuid4().int % 10**8:08d}", "并发顾客")[0]
            for _ in range(buyers)
        ]
        db.session.flush()
        issued = [
            tokens.issue_access_token(p, client_id="concurrency-test", scopes=["openid"]) for p in people
        ]
        return item.id, issued

    return committed.run(make)


def _order(app, token: str, listing_id, key: str, quantity: int = 1):
    response = app.test_client().post(
        "/api/v1/commerce/orders",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        json={"listing_id": str(listing_id), "quantity": quantity},
    )
    body = response.get_json()
    return response.status_code, body.get("id") or body.get("code")


def _together(count: int, work) -> list:
    barrier = threading.Barrier(count)

    def worker(i):
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))


def test_thirty_residents_ordering_the_last_five_get_five_orders_and_no_more(committed):
    with frozen(helpers.NOON):
        listing_id, issued = _world(committed, stock=5, buyers=30)
        results = _together(30, lambda i: _order(committed.app, issued[i], listing_id, f"buy-{i}"))

    assert sorted({status for status, _ in results}) == [201, 409]
    assert sum(1 for status, _ in results if status == 201) == 5
    assert {code for status, code in results if status == 409} == {"out-of-stock"}
    assert committed.run(lambda: db.session.get(Listing, listing_id).stock) == 0
    assert committed.count(Order, Order.listing_id == listing_id) == 5


def test_one_key_sent_twenty_times_at_once_places_one_order_and_one_charge(committed):
    with frozen(helpers.NOON):
        listing_id, issued = _world(committed, stock=10, buyers=1)
        results = _together(20, lambda i: _order(committed.app, issued[0], listing_id, "same-key", 2))

    assert {status for status, _ in results} <= {201, 409}
    assert len({body for status, body in results if status == 201}) == 1
    assert {body for status, body in results if status == 409} <= {"idempotency-key-in-flight"}
    assert committed.count(Order, Order.listing_id == listing_id) == 1
    assert committed.run(lambda: db.session.get(Listing, listing_id).stock) == 8
    charges = (PaymentIntent.purpose_domain == "commerce", PaymentIntent.idempotency_key == "same-key")
    assert committed.count(PaymentIntent, *charges) == 1


def test_two_orders_at_once_against_a_voucher_that_covers_one_subsidise_one_and_never_go_below_zero(
    committed,
):
    from app.eldercare.models import CareVoucher

    def make():
        elder, owner, station, bathing = _elder_and_care_station()
        db.session.flush()
        token = tokens.issue_access_token(elder, client_id="concurrency-test", scopes=["openid"])
        return elder.id, bathing.id, token

    with frozen(helpers.NOON):
        elder_id, listing_id, token = committed.run(make)
        results = _together(2, lambda i: _order_body(committed.app, token, listing_id, f"bath-{i}"))

    assert [status for status, _ in results] == [201, 201]
    assert sorted(body["subsidy"]["amount_fen"] for _, body in results) == [0, 6000]
    assert sorted(body["status"] for _, body in results) == ["awaiting_payment", "paid"]
    assert committed.run(lambda: db.session.get(CareVoucher, elder_id).balance_fen) == 0
    held = committed.run(lambda: db.session.scalar(db.select(db.func.sum(Order.subsidy_fen))
                                                  .where(Order.listing_id == listing_id)))  # fmt: skip
    assert held == 6000, "the voucher paid for one order, once"


def _elder_and_care_station():
    """李奶奶 with 60 yuan on her voucher and a station's bathing help (60 yuan, subsidy-eligible).

    Made in the caller's unit: (the elder, the station's owner, the station, the listing).
    """
    from app.core.money import Money
    from app.eldercare import services as eldercare
    from tests.eldercare import helpers as care

    elder = identity.get_or_create_person(f"+86133{uuid.uuid4().int % 10**8:08d}", "李奶奶")[0]
    identity.verify_real_name(care.person_actor(elder), "李奶奶", care.national_id())
    worker = identity.get_or_create_person(f"+86132{uuid.uuid4().int % 10**8:08d}", "孙丽")[0]
    identity.grant_role(Actor.system(), worker, Role.COMMUNITY_WORKER)
    db.session.flush()
    care.profile(elder, worker=worker)
    worker_actor = Actor(kind=ActorKind.PERSON, person_id=worker.id, roles=frozenset({Role.COMMUNITY_WORKER}))
    eldercare.top_up_voucher(worker_actor, elder.id, Money(6000))
    owner = identity.get_or_create_person(f"+86135{uuid.uuid4().int % 10**8:08d}", "站长")[0]
    station = helpers.verified_merchant(owner, category="eldercare")
    bathing = helpers.listing(station, owner, stock=None, price_fen=6000, subsidy_eligible=True)
    return elder, owner, station, bathing


def _order_body(app, token: str, listing_id, key: str):
    response = app.test_client().post(
        "/api/v1/commerce/orders",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        json={"listing_id": str(listing_id)},
    )
    return response.status_code, response.get_json()


def test_two_end_scans_of_one_care_visit_at_once_pay_the_merchant_once(committed):
    from app.commerce import services as commerce
    from app.core.geo import Point
    from app.payments.models import LedgerJournal
    from tests.eldercare import helpers as care
    from tests.transit.helpers import code_for

    def make():
        elder, owner, station, bathing = _elder_and_care_station()
        order = commerce.place_order(care.person_actor(elder), bathing.id, 1, "delivery", "race-bath",
                                     delivery_address="3栋").record  # fmt: skip
        as_owner = Actor(
            kind=ActorKind.PERSON, person_id=owner.id, roles=frozenset({Role.MERCHANT_OWNER}),
            merchant_ids=frozenset({station.id}),
        )  # fmt: skip
        commerce.accept_order(as_owner, station.id, order.id)
        commerce.start_order_visit(
            as_owner, station.id, order.id, service="personal_care", caregiver="小周",
            code=code_for(elder), location=Point(26.5565, 106.691),
        )  # fmt: skip
        token = tokens.issue_access_token(owner, client_id="concurrency-test", scopes=["openid"])
        return station.id, order.id, token, [code_for(elder), code_for(elder)]  # two scans of her code

    def end(i):
        response = committed.app.test_client().post(
            f"/api/v1/merchant/merchants/{merchant_id}/orders/{order_id}/visit/end",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"race-end-{i}"},
            json={"code": codes[i], "location": {"lat": 26.5565, "lng": 106.691}},
        )
        return response.status_code, response.get_json().get("code")

    with frozen(helpers.NOON):
        merchant_id, order_id, token, codes = committed.run(make)
        results = _together(2, end)

    assert sorted(results) == [(200, None), (409, "visit-already-ended")], results
    subsidy = (PaymentIntent.purpose_domain == "commerce_subsidy", PaymentIntent.payee_id == str(merchant_id))
    assert committed.count(PaymentIntent, *subsidy) == 1
    assert committed.count(LedgerJournal, LedgerJournal.payee_id == str(merchant_id)) == 1
    paid = committed.run(lambda: db.session.get(Order, order_id).subsidy_payment_id)
    assert paid is not None and not committed.run(lambda: db.session.get(Order, order_id).voucher_held)
