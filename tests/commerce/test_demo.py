"""The demo's merchants: verified, owned by the demo merchant owner, found nearby; seeded once."""

from __future__ import annotations

from app.commerce import services
from app.commerce.demo import DEMO_MERCHANT_ID, DEMO_OWNER_PHONE
from app.commerce.models import Merchant
from app.core.demo import seed_demo
from app.extensions import db
from app.identity import services as identity
from tests.commerce import helpers


def test_the_demo_merchants_are_found_nearby_and_seeding_again_adds_nothing(demo, client, auth):
    found = services.search_nearby(helpers.CENTRE, radius=1000)
    assert {item.merchant.name for item in found} >= {"社区便民超市", "邻里洗衣"}
    seed_demo()
    assert db.session.scalar(db.select(db.func.count()).select_from(Merchant)) == 4
    subsidised = [item for item in found if item.subsidy_eligible]
    assert [(item.merchant.name, item.category) for item in subsidised] == [("颐康长者服务站", "eldercare")]

    owner = identity.person_by_phone(DEMO_OWNER_PHONE)
    orders = client.get(f"/api/v1/merchant/merchants/{DEMO_MERCHANT_ID}/orders", headers=auth(owner))
    assert orders.status_code == 200 and orders.get_json()["items"] == []
