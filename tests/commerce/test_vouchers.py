"""Elder-care services paid with the elder's care voucher: ordered by the elder or a guardian, over HTTP.

The voucher covers what it can when the order is placed, the resident pays the rest; an order that ends
undelivered gives the voucher its part back; one whose care visit is verified at the elder's door pays
the merchant the subsidy through the ledger once; the merchant's settlement and the street office's
report show it apart.
"""

from __future__ import annotations

import pytest

from app.eldercare.models import CareVoucher
from app.extensions import db as _db
from app.notifications.models import OutboxMessage
from tests.commerce import helpers
from tests.eldercare import helpers as care
from tests.transit.helpers import code_for

ORDERS = "/api/v1/commerce/orders"
VOUCHER = "/api/v1/eldercare/voucher"
REPORT = "/api/v1/staff/eldercare/subsidies"
DAY = helpers.NOON.date().isoformat()
DOOR = {"lat": 26.5565, "lng": 106.6910, "coord_system": "gcj02"}


@pytest.fixture
def station(db, make_person):
    """A verified elder-care service station and its owner."""
    owner = make_person(name="站长")
    merchant = helpers.verified_merchant(owner, name="颐康长者服务站", category="eldercare")
    db.session.commit()
    return owner, merchant


def _top_up(client, auth, circle, fen: int) -> None:
    url = f"/api/v1/staff/eldercare/elders/{circle['elder'].id}/voucher"
    topped = client.post(url, json={"amount": {"amount_fen": fen}}, headers=auth(circle["worker"]))
    assert topped.status_code == 200, topped.get_json()


def _bathing(client, auth, station, *, price: int = 6000, subsidy: bool = True) -> dict:
    owner, merchant = station
    listed = client.post(
        f"/api/v1/merchant/merchants/{merchant.id}/listings",
        json={"title": "上门助浴", "price": {"amount_fen": price}, "fulfilment": ["delivery"],
              "subsidy_eligible": subsidy},
        headers=auth(owner),
    )  # fmt: skip
    assert listed.status_code == 201, listed.get_json()
    return listed.get_json()


def _order(client, auth, who, listing, key, *, for_elder=None):
    extra = {"Idempotency-Key": key}
    if for_elder is not None:
        extra["X-On-Behalf-Of"] = str(for_elder.id)
    body = {"listing_id": listing["id"], "fulfilment": "delivery", "delivery_address": "3栋2单元"}
    return client.post(ORDERS, json=body, headers=auth(who, **extra))


def _last_notice(person) -> str:
    stmt = _db.select(OutboxMessage.template).where(OutboxMessage.recipient_id == person.id)
    return _db.session.scalars(stmt.order_by(OutboxMessage.id.desc()).limit(1)).one()


def _balance(client, auth, elder) -> int:
    return client.get(VOUCHER, headers=auth(elder)).get_json()["balance"]["amount_fen"]


def _merchant_step(client, auth, station, order_id, step, **body):
    owner, merchant = station
    url = f"/api/v1/merchant/merchants/{merchant.id}/orders/{order_id}/{step}"
    moved = client.post(url, json=body or None, headers=auth(owner))
    assert moved.status_code == 200, moved.get_json()
    return moved.get_json()


def _door_visit(client, auth, station, order_id, elder) -> dict:
    """The station's caregiver scans the elder's code at the door when starting and again when leaving."""
    owner, merchant = station
    url = f"/api/v1/merchant/merchants/{merchant.id}/orders/{order_id}/visit"
    body = {"service": "personal_care", "caregiver": "护理员小周", "code": code_for(elder), "location": DOOR}
    started = client.post(url, json=body, headers=auth(owner))
    assert started.status_code == 201, started.get_json()
    ended = client.post(
        f"{url}/end",
        json={"code": code_for(elder), "location": DOOR},
        headers=auth(owner, **{"Idempotency-Key": f"end-{order_id}"}),
    )
    assert ended.status_code == 200, ended.get_json()
    return ended.get_json()


def test_a_guardian_orders_bathing_help_for_grandma_the_voucher_pays_and_the_merchant_is_paid_once(
    client, auth, circle, station
):
    elder, guardian, worker = circle["elder"], circle["guardian"], circle["worker"]
    _top_up(client, auth, circle, 8000)
    listing = _bathing(client, auth, station)
    assert listing["subsidy_eligible"] is True

    # The voucher covers the whole first order: it is paid at once, nothing to charge.
    first = _order(client, auth, guardian, listing, "bath-1", for_elder=elder)
    assert first.status_code == 201, first.get_json()
    covered = first.get_json()
    assert (covered["status"], covered["subsidy"]["amount_fen"], covered["to_pay"]["amount_fen"]) == (
        "paid", 6000, 0,
    )  # fmt: skip
    assert covered["payment"] is None
    assert _balance(client, auth, elder) == 2000
    replay = _order(client, auth, guardian, listing, "bath-1", for_elder=elder)
    assert replay.get_json()["id"] == covered["id"] and _balance(client, auth, elder) == 2000

    # The elder sees the order her grandson placed for her.
    mine = client.get(f"{ORDERS}/{covered['id']}", headers=auth(elder))
    assert mine.status_code == 200 and mine.get_json()["subsidy"]["amount_fen"] == 6000
    assert covered["id"] in {o["id"] for o in client.get(ORDERS, headers=auth(elder)).get_json()["items"]}

    # The second: the voucher's last 20 yuan, the grandson pays 40 through the ledger.
    second = _order(client, auth, guardian, listing, "bath-2", for_elder=elder).get_json()
    assert (second["status"], second["subsidy"]["amount_fen"], second["to_pay"]["amount_fen"]) == (
        "awaiting_payment", 2000, 4000,
    )  # fmt: skip
    assert _balance(client, auth, elder) == 0
    helpers.settle()
    payment = client.get(f"/api/v1/payments/{second['payment']['id']}", headers=auth(elder)).get_json()
    assert (payment["status"], payment["amount"]["amount_fen"]) == ("succeeded", 4000)

    # The station declines the second: the voucher gets its 20 back, the 40 is refunded.
    declined = _merchant_step(client, auth, station, second["id"], "decline", reason="护理员不足")
    assert declined["status"] == "declined" and declined["refunded"]["amount_fen"] == 4000
    assert _balance(client, auth, elder) == 2000
    assert _last_notice(elder) == "commerce_order_refunded_voucher"

    # The first is delivered at her door: the visit verified by her code, the merchant is paid the subsidy.
    _merchant_step(client, auth, station, covered["id"], "accept")
    _merchant_step(client, auth, station, covered["id"], "ready")
    visited = _door_visit(client, auth, station, covered["id"], elder)
    done = client.post(f"{ORDERS}/{covered['id']}/complete", headers=auth(elder)).get_json()
    assert done["status"] == "completed" and done["subsidy_payment_id"] == visited["subsidy_payment_id"]
    subsidy = client.get(f"/api/v1/payments/{done['subsidy_payment_id']}", headers=auth(elder)).get_json()
    assert subsidy["payee"] == {"kind": "merchant", "id": str(station[1].id)}
    assert (subsidy["purpose"]["domain"], subsidy["amount"]["amount_fen"]) == ("commerce_subsidy", 6000)
    again = client.post(f"{ORDERS}/{covered['id']}/complete", headers=auth(elder))
    assert again.status_code == 409 and _balance(client, auth, elder) == 2000

    # The day's settlement shows what residents paid and what the subsidy paid, apart.
    owner, merchant = station
    url = f"/api/v1/merchant/merchants/{merchant.id}/settlement"
    day = client.get(url, query_string={"start": DAY, "end": DAY}, headers=auth(owner)).get_json()
    figures = {k: day[k] for k in ("paid_orders", "subsidised_orders", "refunds")}
    assert figures == {"paid_orders": 1, "subsidised_orders": 1, "refunds": 1}
    assert [day[k]["amount_fen"] for k in ("paid", "subsidy", "refunded", "net")] == [4000, 6000, 4000, 6000]

    # The street office reads what the merchant redeemed, beside the care providers.
    report = client.get(REPORT, query_string={"start": DAY, "end": DAY}, headers=auth(worker)).get_json()
    assert report["merchants"] == [
        {"merchant_id": str(merchant.id), "name": "颐康长者服务站", "payments_count": 1,
         "amount": {"amount_fen": 6000, "currency": "CNY"}},
    ]  # fmt: skip
    assert report["total"]["amount_fen"] == 6000 and report["providers"] == []


def test_a_cancelled_or_unpaid_order_gives_the_voucher_back(client, auth, circle, station):
    elder = circle["elder"]
    _top_up(client, auth, circle, 3000)
    listing = _bathing(client, auth, station, price=2000)
    covered = _order(client, auth, elder, listing, "own-1").get_json()
    assert covered["status"] == "paid" and _balance(client, auth, elder) == 1000
    cancelled = client.post(f"{ORDERS}/{covered['id']}/cancel", headers=auth(elder)).get_json()
    assert cancelled["status"] == "cancelled" and cancelled["refunded"]["amount_fen"] == 0
    assert _balance(client, auth, elder) == 3000
    assert _last_notice(elder) == "commerce_order_voucher_returned"

    _top_up(client, auth, circle, 500)  # 35 yuan: two orders, the second paying 5 of its own
    _order(client, auth, elder, listing, "own-2")
    unpaid = _order(client, auth, elder, listing, "own-3").get_json()
    assert (unpaid["subsidy"]["amount_fen"], unpaid["to_pay"]["amount_fen"]) == (1500, 500)
    withdrawn = client.post(f"{ORDERS}/{unpaid['id']}/cancel", headers=auth(elder)).get_json()
    assert withdrawn["status"] == "cancelled" and _balance(client, auth, elder) == 1500


def test_an_unanswered_order_gives_the_voucher_back_when_it_times_out(client, auth, db, circle, station):
    from datetime import timedelta

    from app.commerce import services
    from app.core.clock import frozen

    elder = circle["elder"]
    _top_up(client, auth, circle, 6000)
    order = _order(client, auth, elder, _bathing(client, auth, station), "late").get_json()
    with frozen(helpers.NOON + timedelta(minutes=16)):
        assert services.decline_unanswered() == 1
        db.session.commit()
    assert client.get(f"{ORDERS}/{order['id']}", headers=auth(elder)).get_json()["status"] == "declined"
    assert _balance(client, auth, elder) == 6000


def test_only_an_elder_care_listing_takes_vouchers_and_other_listings_never_touch_them(
    client, auth, db, circle, station, make_person
):
    elder = circle["elder"]
    grocer = make_person(name="店主")
    shop = helpers.verified_merchant(grocer)
    db.session.commit()
    refused = client.post(
        f"/api/v1/merchant/merchants/{shop.id}/listings",
        json={"title": "矿泉水", "price": {"amount_fen": 300}, "subsidy_eligible": True},
        headers=auth(grocer),
    )
    assert refused.status_code == 422 and "subsidy_eligible" in refused.get_json()["errors"]
    _top_up(client, auth, circle, 6000)
    plain = _bathing(client, auth, station, subsidy=False)
    order = _order(client, auth, elder, plain, "plain").get_json()
    assert order["subsidy"]["amount_fen"] == 0 and order["to_pay"]["amount_fen"] == 6000
    assert _balance(client, auth, elder) == 6000
    stranger = make_person(name="年轻人")
    db.session.commit()
    eligible = _bathing(client, auth, station)
    theirs = _order(client, auth, stranger, eligible, "no-voucher").get_json()
    assert (theirs["subsidy"]["amount_fen"], theirs["to_pay"]["amount_fen"]) == (0, 6000)
    assert db.session.get(CareVoucher, stranger.id) is None, (
        "no voucher is made for someone never granted one"
    )


def test_another_resident_a_guardian_without_commerce_and_another_merchant_get_404(
    client, auth, db, circle, station, make_person, other_resident
):
    elder = circle["elder"]
    _top_up(client, auth, circle, 6000)
    order = _order(client, auth, circle["guardian"], _bathing(client, auth, station), "b", for_elder=elder)
    order_id = order.get_json()["id"]
    care_only = make_person(name="只管照护")
    care.guard(elder, care_only, scopes=("eldercare",))
    rival = make_person(name="别家站长")
    rival_shop = helpers.verified_merchant(rival, category="eldercare")
    db.session.commit()

    assert client.get(f"{ORDERS}/{order_id}", headers=auth(other_resident)).status_code == 404
    outside = auth(care_only, **{"X-On-Behalf-Of": str(elder.id)})
    assert client.get(f"{ORDERS}/{order_id}", headers=outside).status_code == 404
    assert client.post(f"{ORDERS}/{order_id}/cancel", headers=auth(other_resident)).status_code == 404
    rival_url = f"/api/v1/merchant/merchants/{rival_shop.id}/orders/{order_id}"
    assert client.get(rival_url, headers=auth(rival)).status_code == 404
    theirs = f"/api/v1/merchant/merchants/{station[1].id}/orders/{order_id}"
    assert client.get(theirs, headers=auth(rival)).status_code == 404
    assert _balance(client, auth, elder) == 0, "nobody's refused request gave the voucher back"
