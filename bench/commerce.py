"""The commerce scenarios of ``bench/run.py``: the nearby search at a chosen table size, and ordering.

``commerce_nearby`` seeds (``python -m bench.commerce nearby``) as many listings as
``BENCH_COMMERCE_LISTINGS`` says (1,000 unless set), of verified merchants: 200 of them within a
kilometre of the search centre in Guiyang, the rest spread over the province beyond 3 km of it — a
city that grows, with the centre's neighbourhood as dense as before. Run it once at 1,000 and once
at 100,000 and compare the p50s (docs/performance.md).

``commerce_order`` seeds a listing with ample stock and a bench resident, and its wrk script sends
``POST /api/v1/commerce/orders`` with a fresh ``Idempotency-Key`` on every request: each request
takes stock, writes the order and opens its payment (201).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CENTRE = (26.5560, 106.6905)
NEAR_LISTINGS = 200  # within a kilometre of the centre, whatever the table's size
PER_MERCHANT = 5
BENCH_PHONE = "+8613900099980"
NEARBY_PATH = "/api/v1/commerce/nearby?near=26.5560,106.6905&radius=1000&limit=20"

GET_SCRIPT = """
function request()
  return wrk.format("GET", nil, {}, nil)
end
"""
ORDER_SCRIPT = """
local counter = 0
function setup(thread)
  thread:set("slot", counter)
  counter = counter + 1
end
function init(args)
  slot = wrk.thread:get("slot")
  sent = 0
end
function request()
  sent = sent + 1
  local headers = {}
  headers["Authorization"] = "Bearer %(token)s"
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = string.format("bench-%(run)s-%%s-%%d", slot, sent)
  return wrk.format("POST", nil, headers, '{"listing_id": "%(listing)s", "quantity": 1}')
end
"""


def _seeded(*args: str, env: dict) -> dict:
    done = subprocess.run(  # noqa: S603 - this module, run in the app's environment
        [sys.executable, "-m", "bench.commerce", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError("seeding commerce failed:\n" + "\n".join(done.stderr.splitlines()[-12:]))
    return json.loads(done.stdout.strip().splitlines()[-1])


def nearby_script(env: dict, settings) -> str:
    """Seed the listings (``BENCH_COMMERCE_LISTINGS``, default 1,000) and search near the centre."""
    total = int(os.environ.get("BENCH_COMMERCE_LISTINGS", "1000"))
    seeded = _seeded("nearby", str(total), env=env)
    print(f"  commerce_nearby: {seeded['listings']} listings, {NEAR_LISTINGS} within 1 km", flush=True)
    return GET_SCRIPT


def order_script(env: dict, settings) -> str:
    """Seed a listing with ample stock and a resident; each request orders once with a fresh key."""
    seeded = _seeded("order", env=env)
    return ORDER_SCRIPT % {
        "token": seeded["token"],
        "listing": seeded["listing"],
        "run": uuid.uuid4().hex[:8],
    }


def _point(rng: random.Random, near: bool) -> tuple[float, float]:
    from app.core.geo import Point, distance_m

    while True:
        if near:
            lat, lng = CENTRE[0] + rng.uniform(-0.008, 0.008), CENTRE[1] + rng.uniform(-0.008, 0.008)
        else:
            lat, lng = rng.uniform(24.6, 29.2), rng.uniform(103.6, 109.5)  # Guizhou, roughly
        metres = distance_m(Point(*CENTRE), Point(lat, lng))
        if (near and metres <= 950) or (not near and metres > 3_000):
            return lat, lng


def seed_nearby(total: int) -> dict:
    """In the app: verified merchants with ``total`` listings in all, 200 of them near the centre."""
    import h3
    import sqlalchemy as sa

    from app import create_app
    from app.commerce.models import Listing, Merchant
    from app.core.models import utcnow
    from app.core.nearby import COARSE, FINE
    from app.extensions import db
    from app.identity import services as identity

    app, rng, now = create_app(), random.Random(7), utcnow()
    with app.app_context():
        owner, _ = identity.get_or_create_person(BENCH_PHONE, "压测商户")
        merchants, listings = [], []
        for number in range(total // PER_MERCHANT):
            lat, lng = _point(rng, near=number < NEAR_LISTINGS // PER_MERCHANT)
            cells = {
                "cell_fine": h3.latlng_to_cell(lat, lng, FINE),
                "cell_coarse": h3.latlng_to_cell(lat, lng, COARSE),
            }
            merchant_id = uuid.uuid4()
            merchants.append({
                "id": merchant_id, "created_at": now, "name": f"压测商户{number}", "category": "retail",
                "credit_code": f"B{number:017d}", "licence_name": f"压测商户{number}",
                "legal_representative": "压测",
                "address": "贵阳", "phone": BENCH_PHONE, "language": "zh_Hans",
                "opening_hours": {}, "closed_dates": [], "service_radius_m": 1000, "status": "verified",
                "registered_by_id": owner.id, "rating_total": rng.randint(0, 50), "rating_count": 10,
                "lat": lat, "lng": lng, **cells,
            })  # fmt: skip
            listings.extend(
                {
                    "id": uuid.uuid4(),
                    "created_at": now,
                    "merchant_id": merchant_id,
                    "category": "retail",
                    "title": f"商品{k}",
                    "description": "",
                    "translations": {},
                    "price_fen": 100 + k,
                    "currency": "CNY",
                    "unit": "",
                    "stock": 100,
                    "fulfilment": ["pickup"],
                    "active": True,
                    "merchant_verified": True,
                    "lat": lat,
                    "lng": lng,
                    **cells,
                }  # fmt: skip
                for k in range(PER_MERCHANT)
            )
        for start in range(0, len(merchants), 5_000):
            db.session.execute(sa.insert(Merchant), merchants[start : start + 5_000])
        for start in range(0, len(listings), 5_000):
            db.session.execute(sa.insert(Listing), listings[start : start + 5_000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE commerce_listings"))
            db.session.execute(sa.text("ANALYZE commerce_merchants"))
            db.session.commit()
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Listing))
    return {"listings": count}


def seed_order() -> dict:
    """In the app: a verified all-day shop with a listing of ample stock, a bench resident and their token."""
    from app import create_app
    from app.commerce import services
    from app.commerce.models import Merchant
    from app.core.actors import Actor, ActorKind
    from app.core.geo import Point
    from app.extensions import db
    from app.identity import services as identity
    from app.identity import tokens

    app = create_app()
    with app.app_context():
        owner, _ = identity.get_or_create_person("+8613900099981", "压测店主")
        buyer, _ = identity.get_or_create_person(BENCH_PHONE, "压测居民")
        shop = db.session.scalar(db.select(Merchant).where(Merchant.credit_code == "91520102MA6HT00031"))
        as_owner = Actor(kind=ActorKind.PERSON, person_id=owner.id)
        if shop is None:
            hours = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
            shop = services.register_merchant(
                as_owner, Point(*CENTRE), name="压测便利店", category="retail",
                credit_code="91520102MA6HT00031", licence_name="压测便利店", legal_representative="压测",
                address="贵阳", phone=BENCH_PHONE,
                opening_hours=hours, closed_dates=[], service_radius_m=1000, language="zh_Hans",
            )  # fmt: skip
            services.decide_merchant(Actor.system(), shop.id, verified=True)
        item = services.create_listing(
            as_owner, shop.id, title="压测商品", price_fen=100, stock=10_000_000, fulfilment=["pickup"]
        )
        token = tokens.issue_access_token(buyer, client_id="bench", scopes=["openid"])
        db.session.commit()
        return {"token": token, "listing": str(item.id)}


if __name__ == "__main__":
    if sys.argv[1] == "nearby":
        print(json.dumps(seed_nearby(int(sys.argv[2]))))
    else:
        print(json.dumps(seed_order()))
