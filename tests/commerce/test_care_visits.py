"""An elder-care order is verified at the elder's door before its subsidy moves, over HTTP.

The merchant's staff (members signed in with their own token) scan the elder's city code when the care
visit starts and again when it ends: elder care's visit verification, tied to the order. The voucher
part held since the order was placed is paid to the merchant at the verified end, once; an order
completed without a visit pays no subsidy and gives it back.
"""

from __future__ import annotations

import pytest

from app.notifications.models import OutboxMessage
from app.payments import ledger
from app.payments.models import LedgerJournal, PaymentIntent
from tests.commerce import helpers
from tests.eldercare import helpers as care
from tests.transit.helpers import code_for

ORDERS = "/api/v1/commerce/orders"
VOUCHER = "/api/v1/eldercare/voucher"
DOOR = {"lat": 26.5565, "lng": 106.6910, "coord_system": "gcj02"}


@pytest.fixture
def station(client, auth, db, make_person):
    """A verified elder-care station, its owner, a staff member, and its bathing help (80 yuan, eligible)."""
    owner, staff = make_person(name="站长"), make_person(name="护理员小周")
    merchant = helpers.verified_merchant(owner, name="颐康长者服务站", category="eldercare")
    helpers.add_staff(merchant, owner, staff.phone)
    db.session.commit()
    listed = client.post(
        f"/api/v1/merchant/merchants/{merchant.id}/listings",
        json={"title": "上门助浴", "price": {"amount_fen": 8000}, "fulfilment": ["delivery"],
              "subsidy_eligible": True},
        headers=auth(owner),
    )  # fmt: skip
    assert listed.status_code == 201, listed.get_json()
    return {"owner": owner, "staff": staff, "merchant": merchant, "listing": listed.get_json()}


def _top_up(client, auth, circle, fen: int) -> None:
    url = f"/api/v1/staff/eldercare/elders/{circle['elder'].id}/voucher"
    assert (
        client.post(url, json={"amount": {"amount_fen": fen}}, headers=auth(circle["worker"])).status_code
        == 200
    )


def _accepted_order(client, auth, circle, station, key="bath") -> dict:
    """The grandson orders bathing help for grandma (the voucher pays 60, he 20); the station accepts it."""
    headers = auth(circle["guardian"], **{"Idempotency-Key": key, "X-On-Behalf-Of": str(circle["elder"].id)})
    body = {"listing_id": station["listing"]["id"], "fulfilment": "delivery", "delivery_address": "3栋2单元"}
    placed = client.post(ORDERS, json=body, headers=headers)
    assert placed.status_code == 201, placed.get_json()
    helpers.settle()
    order_id = placed.get_json()["id"]
    accepted = client.post(_merchant_url(station, order_id, "accept"), headers=auth(station["owner"]))
    assert accepted.status_code == 200, accepted.get_json()
    return accepted.get_json()


def _merchant_url(station, order_id, step: str = "", merchant=None) -> str:
    merchant_id = (merchant or station["merchant"]).id
    return f"/api/v1/merchant/merchants/{merchant_id}/orders/{order_id}" + (f"/{step}" if step else "")


def _start(client, auth, station, order_id, person, who=None, merchant=None):
    body = {"service": "personal_care", "caregiver": "护理员小周", "code": code_for(person), "location": DOOR}
    return client.post(
        _merchant_url(station, order_id, "visit", merchant), json=body, headers=auth(who or station["staff"])
    )


def _end(client, auth, station, order_id, person, key: str, who=None, merchant=None, code=None):
    return client.post(
        _merchant_url(station, order_id, "visit/end", merchant),
        json={"code": code or code_for(person), "location": DOOR},
        headers=auth(who or station["staff"], **{"Idempotency-Key": key}),
    )


def _subsidy_payments(db) -> int:
    stmt = db.select(db.func.count()).select_from(PaymentIntent)
    return db.session.scalar(stmt.where(PaymentIntent.purpose_domain == "commerce_subsidy"))


def _balance(client, auth, elder) -> int:
    return client.get(VOUCHER, headers=auth(elder)).get_json()["balance"]["amount_fen"]


def test_the_staff_scan_her_code_at_the_door_and_the_subsidy_moves_at_the_verified_end_once(
    client, auth, db, circle, station
):
    elder = circle["elder"]
    _top_up(client, auth, circle, 6000)
    order = _accepted_order(client, auth, circle, station)
    assert (order["subsidy"]["amount_fen"], order["to_pay"]["amount_fen"]) == (6000, 2000)
    assert order["subsidy_payment_id"] is None and order["visit_id"] is None

    started = _start(client, auth, station, order["id"], elder)
    assert started.status_code == 201, started.get_json()
    assert started.get_json()["visit_id"] and started.get_json()["subsidy_payment_id"] is None
    visit_id = started.get_json()["visit_id"]
    again = _start(client, auth, station, order["id"], elder)
    assert (
        again.status_code == 201 and again.get_json()["visit_id"] == visit_id
    )  # asked again: the same visit
    visit = client.get(f"/api/v1/eldercare/visits/{visit_id}", headers=auth(elder)).get_json()
    assert (visit["status"], visit["order_id"], visit["provider"], visit["provider_kind"]) == (
        "in_progress", order["id"], "颐康长者服务站", "merchant",
    )  # fmt: skip
    assert visit["service"] == "personal_care" and visit["caregiver"] == "护理员小周"

    scanned = code_for(elder)
    ended = _end(client, auth, station, order["id"], elder, "end-1", code=scanned)
    assert ended.status_code == 200, ended.get_json()
    paid = ended.get_json()
    assert paid["visit_verified_at"] and paid["subsidy_payment_id"]
    replay = _end(
        client, auth, station, order["id"], elder, "end-1", code=scanned
    )  # a retry, its answer lost
    assert replay.status_code == 200 and replay.get_json() == paid
    other_key = _end(client, auth, station, order["id"], elder, "end-2")
    assert other_key.status_code == 409 and other_key.get_json()["code"] == "visit-already-ended"

    payment = client.get(f"/api/v1/payments/{paid['subsidy_payment_id']}", headers=auth(elder)).get_json()
    assert payment["payee"] == {"kind": "merchant", "id": str(station["merchant"].id)}
    assert (payment["purpose"]["domain"], payment["amount"]["amount_fen"]) == ("commerce_subsidy", 6000)
    assert _subsidy_payments(db) == 1
    assert ledger.account_balance(ledger.payee_payable("merchant", str(station["merchant"].id))) == -8000
    verified = client.get(f"/api/v1/eldercare/visits/{visit_id}", headers=auth(elder)).get_json()
    assert (verified["status"], verified["subsidy"]["amount_fen"], verified["payment_id"]) == (
        "verified", 6000, paid["subsidy_payment_id"],
    )  # fmt: skip
    mine = client.get(f"{ORDERS}/{order['id']}", headers=auth(elder)).get_json()
    assert (mine["visit_id"], mine["subsidy_payment_id"]) == (visit_id, paid["subsidy_payment_id"])
    scans = client.get("/api/v1/me/citycode/scans", headers=auth(elder)).get_json()["items"]
    assert {(s["client_name"], s["purpose"]) for s in scans} == {("颐康长者服务站", "care_visit")}
    assert _balance(client, auth, elder) == 0  # taken once, when the order was placed
    told = db.session.scalars(db.select(OutboxMessage.template).where(OutboxMessage.recipient_id == elder.id))
    assert "eldercare_visit_verified" in set(told)

    # The elder confirms afterwards: completed, nothing moves again; delivered, it cannot be cancelled.
    ready = client.post(_merchant_url(station, order["id"], "ready"), headers=auth(station["owner"]))
    assert ready.status_code == 200
    refused = client.post(
        _merchant_url(station, order["id"], "cancel"), json={"reason": "改期"}, headers=auth(station["owner"])
    )
    assert refused.status_code == 409
    done = client.post(f"{ORDERS}/{order['id']}/complete", headers=auth(elder)).get_json()
    assert done["status"] == "completed" and done["subsidy_payment_id"] == paid["subsidy_payment_id"]
    assert db.session.scalar(db.select(db.func.count()).select_from(LedgerJournal)) == 2  # the 20, the 60


def test_no_scan_no_subsidy_and_the_door_scans_refuse_what_is_not_hers(
    client, auth, db, circle, station, make_person
):
    elder = circle["elder"]
    _top_up(client, auth, circle, 12000)
    order = _accepted_order(client, auth, circle, station)

    not_started = _end(client, auth, station, order["id"], elder, "early")
    assert not_started.status_code == 409 and not_started.get_json()["code"] == "order-visit-not-started"
    url = _merchant_url(station, order["id"], "visit")
    bad = client.post(
        url, json={"service": "personal_care", "caregiver": "小周", "code": "not-a-code", "location": DOOR},
        headers=auth(station["staff"]),
    )  # fmt: skip
    assert bad.status_code == 422 and bad.get_json()["code"] == "visit-scan-refused"
    missing = client.post(
        url,
        json={"service": "personal_care", "caregiver": "小周", "location": DOOR},
        headers=auth(station["staff"]),
    )
    assert missing.status_code == 422
    neighbour = care.verified(make_person, name="邻居奶奶", born=1946)
    care.profile(neighbour)
    db.session.commit()
    someone_else = _start(client, auth, station, order["id"], neighbour)
    assert someone_else.status_code == 422 and someone_else.get_json()["code"] == "visit-scan-mismatch"
    unknown_service = client.post(
        url, json={"service": "gardening", "caregiver": "小周", "code": code_for(elder), "location": DOOR},
        headers=auth(station["staff"]),
    )  # fmt: skip
    assert unknown_service.status_code == 422
    assert client.get(f"{ORDERS}/{order['id']}", headers=auth(elder)).get_json()["visit_id"] is None

    # Confirmed with no visit at the door: the merchant gets no subsidy, the voucher its 60 back.
    client.post(_merchant_url(station, order["id"], "ready"), headers=auth(station["owner"]))
    done = client.post(f"{ORDERS}/{order['id']}/complete", headers=auth(elder)).get_json()
    assert done["status"] == "completed" and done["subsidy_payment_id"] is None
    assert _balance(client, auth, elder) == 12000
    notice = db.session.scalars(
        db.select(OutboxMessage.template)
        .where(OutboxMessage.recipient_id == elder.id)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert notice == "commerce_order_subsidy_unused"
    late = _start(client, auth, station, order["id"], elder)
    assert late.status_code == 409  # a completed order is not visited afterwards
    assert _subsidy_payments(db) == 0

    # An order of a listing that is not a subsidised care service is not verified at the door.
    plain = client.post(
        f"/api/v1/merchant/merchants/{station['merchant'].id}/listings",
        json={"title": "代购药品", "price": {"amount_fen": 1000}, "fulfilment": ["delivery"]},
        headers=auth(station["owner"]),
    ).get_json()
    placed = client.post(
        ORDERS, json={"listing_id": plain["id"], "fulfilment": "delivery", "delivery_address": "3栋"},
        headers=auth(elder, **{"Idempotency-Key": "plain"}),
    ).get_json()  # fmt: skip
    helpers.settle()
    client.post(_merchant_url(station, placed["id"], "accept"), headers=auth(station["owner"]))
    not_care = _start(client, auth, station, placed["id"], elder)
    assert not_care.status_code == 409 and not_care.get_json()["code"] == "order-not-a-care-service"


def test_another_merchant_another_resident_and_a_non_member_get_404(
    client, auth, db, circle, station, make_person, other_resident
):
    elder = circle["elder"]
    _top_up(client, auth, circle, 6000)
    order = _accepted_order(client, auth, circle, station)
    rival = make_person(name="别家站长")
    rival_shop = helpers.verified_merchant(rival, category="eldercare")
    db.session.commit()

    assert _start(client, auth, station, order["id"], elder, who=rival).status_code == 404
    assert (
        _start(client, auth, station, order["id"], elder, who=rival, merchant=rival_shop).status_code == 404
    )
    visit_id = _start(client, auth, station, order["id"], elder).get_json()["visit_id"]
    assert _end(client, auth, station, order["id"], elder, "r-1", who=rival).status_code == 404
    assert (
        _end(client, auth, station, order["id"], elder, "r-2", who=rival, merchant=rival_shop).status_code
        == 404
    )
    assert client.get(f"/api/v1/eldercare/visits/{visit_id}", headers=auth(other_resident)).status_code == 404
    assert client.get(f"{ORDERS}/{order['id']}", headers=auth(other_resident)).status_code == 404
    # A resident with no merchant role cannot scan for the station at all.
    assert _start(client, auth, station, order["id"], elder, who=other_resident).status_code == 403
    assert (
        client.get(f"/api/v1/eldercare/visits/{visit_id}", headers=auth(elder)).get_json()["status"]
        == "in_progress"
    )
    assert _subsidy_payments(db) == 0


def test_a_visit_under_way_when_she_confirms_keeps_the_subsidy_held_until_its_verified_end(
    client, auth, db, circle, station
):
    elder = circle["elder"]
    _top_up(client, auth, circle, 6000)
    order = _accepted_order(client, auth, circle, station)
    assert _start(client, auth, station, order["id"], elder).status_code == 201
    client.post(_merchant_url(station, order["id"], "ready"), headers=auth(station["owner"]))
    done = client.post(f"{ORDERS}/{order['id']}/complete", headers=auth(elder)).get_json()
    assert done["status"] == "completed" and done["subsidy_payment_id"] is None
    assert _balance(client, auth, elder) == 0 and _subsidy_payments(db) == 0  # still held for the visit
    ended = _end(client, auth, station, order["id"], elder, "after-confirm")
    assert ended.status_code == 200, ended.get_json()
    assert ended.get_json()["subsidy_payment_id"] and _subsidy_payments(db) == 1
    assert _balance(client, auth, elder) == 0


def test_a_visit_never_verified_lapses_and_its_subsidy_goes_back_to_her_voucher(
    client, auth, db, app, circle, station
):
    from datetime import timedelta

    from app.commerce import jobs
    from app.core import clock
    from app.core.models import utcnow
    from app.eldercare import jobs as eldercare_jobs

    elder = circle["elder"]
    _top_up(client, auth, circle, 6000)
    order = _accepted_order(client, auth, circle, station, key="bath-lapse")
    started = _start(client, auth, station, order["id"], elder)
    assert started.status_code == 201, started.get_json()
    visit_id = started.get_json()["visit_id"]
    ready = client.post(_merchant_url(station, order["id"], "ready"), headers=auth(station["owner"]))
    assert ready.status_code == 200
    done = client.post(f"{ORDERS}/{order['id']}/complete", headers=auth(elder)).get_json()
    assert done["status"] == "completed" and _balance(client, auth, elder) == 0  # held: a visit under way

    hours = app.config["COMMERCE_VISIT_LAPSE_HOURS"]
    with clock.frozen(utcnow() + timedelta(hours=hours) - timedelta(minutes=5)):
        assert jobs.release_lapsed_subsidies() == 0  # the caregiver may still scan out
    with clock.frozen(utcnow() + timedelta(hours=hours, minutes=5)):
        assert eldercare_jobs.lapse_unfinished_visits() == 0  # an order's visit is commerce's to lapse
        assert jobs.release_lapsed_subsidies() == 1
        assert jobs.release_lapsed_subsidies() == 0  # once
    assert _balance(client, auth, elder) == 6000
    visit = client.get(f"/api/v1/eldercare/visits/{visit_id}", headers=auth(elder)).get_json()
    assert (visit["status"], visit["payment_id"]) == ("lapsed", None)
    late = _end(client, auth, station, order["id"], elder, "end-late")
    assert late.status_code == 409 and late.get_json()["code"] == "visit-lapsed"
    assert _subsidy_payments(db) == 0
    told = db.session.scalars(db.select(OutboxMessage.template).where(OutboxMessage.recipient_id == elder.id))
    assert "commerce_order_subsidy_unused" in set(told)
