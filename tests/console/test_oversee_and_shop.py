"""The supervisor's and the merchant's pages with the Flask test client: what they show and refuse."""

from __future__ import annotations

import re
import uuid

from app.commerce import services as commerce
from app.commerce.models import Order, OrderStatus
from app.complaints.models import RoutingRuleRecord
from app.core.calendar import SHANGHAI
from app.identity import services as identity
from tests.commerce import helpers
from tests.console.conftest import DEMO, csrf_of

MERCHANT = "+8613800000008"
SHOP = "76dad5e3-446d-515a-bb27-e939a1064937"
LAMP = ("0202", "花果园小区门口路灯坏了，晚上一片漆黑", "南明区花果园街道花果园小区东门", 26.5561, 106.6906)
DRAFT = {
    "name": "路灯归供电局",
    "category_prefixes": "0202",
    "department_code": "city-power",
    "priority": "20",
    "keywords": "",
    "district_codes": "",
    "street_codes": "",
    "assisting_codes": "",
}


def test_the_supervisor_tries_a_rule_on_todays_complaints_then_saves_it(sign_in, report, db):
    lamp = report(*LAMP)
    client = sign_in(DEMO["supervisor"])
    page = client.get("/console/oversee/rules")
    assert page.status_code == 200 and "市容与道路" in page.get_data(as_text=True)
    day = lamp.created_at.astimezone(SHANGHAI).date()
    form = {"csrf_token": csrf_of(page.get_data(as_text=True)), **DRAFT, "start": str(day), "end": str(day)}
    rules_before = db.session.query(RoutingRuleRecord).count()
    tried = client.post("/console/oversee/rules/try", data=form)
    text = tried.get_data(as_text=True)
    assert tried.status_code == 200, text
    assert lamp.tracking_number in text and "市供电局" in text
    assert db.session.query(RoutingRuleRecord).count() == rules_before, "a try writes nothing"
    saved = client.post("/console/oversee/rules/save", data=form)
    assert saved.status_code == 303
    assert (
        db.session.query(RoutingRuleRecord).filter_by(name="路灯归供电局").one().department_code
        == "city-power"
    )
    refused = client.post("/console/oversee/rules/try", data={**form, "department_code": "nope"})
    assert refused.status_code == 422 and 'role="alert"' in refused.get_data(as_text=True)


def test_the_supervisor_sees_overdue_work_and_the_rates_as_bars_and_csv(sign_in, report):
    report(*LAMP)
    client = sign_in(DEMO["supervisor"])
    assert client.get("/console/oversee/").status_code == 200
    for group_by in ("department", "category", "week"):
        shown = client.get(f"/console/oversee/rates?group_by={group_by}")
        text = shown.get_data(as_text=True)
        assert shown.status_code == 200 and '<svg class="bars"' in text and "<desc" in text, group_by
    exported = client.get("/console/oversee/rates.csv?group_by=category&start=2026-01-01&end=2026-01-31")
    assert exported.mimetype == "text/csv" and "group_by,category" in exported.get_data(as_text=True)


def test_a_handler_may_not_open_the_supervisors_pages(sign_in):
    handler = sign_in(DEMO["handler"])
    for path in ("/", "/rules", "/rates", "/rates.csv"):
        assert handler.get(f"/console/oversee{path}").status_code == 403, path


def _paid_order(db, shop_id):
    owner = identity.person_by_phone(MERCHANT)
    listing = commerce.merchant_listings(helpers.person_actor(owner), shop_id, cursor=None, limit=50).items
    orderable = [e for e in listing if e.active and "pickup" in e.fulfilment]
    item = next(e for e in orderable if e.stock is None or e.stock > 0)
    buyer = identity.person_by_phone(DEMO["resident"])
    return helpers.paid_order(buyer, item)


def test_the_merchant_accepts_and_readies_todays_order_and_reads_the_settlement(sign_in, db):
    shop_id = uuid.UUID(SHOP)
    order = _paid_order(db, shop_id)
    client = sign_in(MERCHANT)
    page = client.get(f"/console/shop/{SHOP}/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and order.title in text
    token = csrf_of(text)
    accepted = client.post(f"/console/shop/{SHOP}/orders/{order.id}/accept", data={"csrf_token": token})
    assert accepted.status_code == 303
    readied = client.post(f"/console/shop/{SHOP}/orders/{order.id}/ready", data={"csrf_token": token})
    assert readied.status_code == 303
    assert db.session.get(Order, order.id).status == OrderStatus.READY
    again = client.post(f"/console/shop/{SHOP}/orders/{order.id}/ready", data={"csrf_token": token})
    assert again.status_code == 409 and 'role="alert"' in again.get_data(as_text=True)
    settlement = client.get(f"/console/shop/{SHOP}/settlement")
    assert settlement.status_code == 200 and re.search(
        r"<td>1</td><td>[^<]*¥", settlement.get_data(as_text=True)
    )
    assert "养老服务补贴" in settlement.get_data(as_text=True), "the care subsidy has its own column"
    assert client.get(f"/console/shop/{SHOP}/settlement.csv").mimetype == "text/csv"
    assert client.get(f"/console/shop/{SHOP}/listings").status_code == 200


def test_another_merchants_shop_is_404_on_every_page(sign_in, make_person, db):
    stranger = make_person(name="别家店主")
    theirs = helpers.verified_merchant(stranger)
    db.session.commit()
    client = sign_in(MERCHANT)
    for path in ("/", "/listings", "/settlement", "/settlement.csv"):
        refused = client.get(f"/console/shop/{theirs.id}{path}")
        assert refused.status_code == 404, path
        assert theirs.name not in refused.get_data(as_text=True) or path == "/"
    token = csrf_of(client.get(f"/console/shop/{SHOP}/").get_data(as_text=True))
    forged = client.post(f"/console/shop/{theirs.id}/orders/{theirs.id}/accept", data={"csrf_token": token})
    assert forged.status_code == 404


def test_the_supervisor_approves_an_extension_from_the_overdue_page(sign_in, report, db):
    from datetime import timedelta

    from app.complaints import services as complaints
    from app.complaints.models import DeadlineExtension

    lamp = report(*LAMP)  # routed to urban management, whose demo handler asks for more time
    handler = identity.person_actor(identity.person_by_phone(DEMO["handler"]), "yimatong-console")
    extension = complaints.request_extension(
        handler, lamp.id, lamp.feedback_due + timedelta(days=3), "需要协调供电部门"
    )
    db.session.commit()
    client = sign_in(DEMO["supervisor"])
    page = client.get("/console/oversee/")
    text = page.get_data(as_text=True)
    assert "需要协调供电部门" in text
    decided = client.post(
        f"/console/oversee/extensions/{extension.id}",
        data={"csrf_token": csrf_of(text), "decision": "approve", "note": "同意"},
    )
    assert decided.status_code == 303
    assert db.session.get(DeadlineExtension, extension.id).status == "approved"
    assert "已批准延期" in client.get(decided.headers["Location"]).get_data(as_text=True)
