"""Demo data of commerce: four verified merchants near the demo resident, with listings, and their owner.

The elder-care service station's bathing help is subsidy-eligible: an elder's care voucher pays for it.
"""

from __future__ import annotations

import uuid

from app.commerce.models import Listing, MemberRole, Merchant, MerchantMember, MerchantStatus
from app.core.actors import Actor, Role
from app.core.demo import demo_seeder
from app.core.geo import Point
from app.core.models import utcnow
from app.extensions import db
from app.identity import services as identity

DEMO_OWNER_PHONE = "+8613800000008"  # 吴刚（商户）, identity's demo merchant owner
DEMO_MERCHANT_ID = uuid.uuid5(uuid.NAMESPACE_URL, "yimatong:demo-merchant:社区便民超市")  # his role names it
ALL_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}

# id, name, category, credit code, (lat, lng) WGS84 near 26.5560,106.6905, hours, listings
DEMO_MERCHANTS = [
    (
        DEMO_MERCHANT_ID, "社区便民超市", "retail", "91520102MA6DQ1001D", (26.5571, 106.6912), ALL_DAY,
        [
            ("农夫山泉 550ml", "矿泉水，整箱另议", 200, 200, ["pickup", "delivery"],
             {"en": {"title": "Nongfu Spring water 550 ml", "description": "Still water"}}),
            ("土鸡蛋（10枚）", "本地农户直供", 1590, 30, ["pickup"],
             {"en": {"title": "Free-range eggs (10)", "description": "From local farms"}}),
            ("桶装水送货上门", "18.9升，楼层不限", 2000, None, ["delivery"],
             {"en": {"title": "Bottled water delivered", "description": "18.9 L, any floor"}}),
        ],
    ),
    (
        uuid.uuid5(uuid.NAMESPACE_URL, "yimatong:demo-merchant:邻里洗衣"), "邻里洗衣", "laundry",
        "92520102MA6DQ1002D", (26.5548, 106.6889),
        {day: [["08:00", "21:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        [("衬衫干洗", "次日可取", 1200, None, ["pickup"],
          {"en": {"title": "Shirt dry-cleaning", "description": "Ready the next day"}})],
    ),
    (
        uuid.uuid5(uuid.NAMESPACE_URL, "yimatong:demo-merchant:张师傅家电维修"), "张师傅家电维修",
        "housekeeping",
        "91520103MA6DQ10032", (26.5602, 106.6950),
        {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")},
        [("上门检修", "家电上门检查，维修另计", 3000, None, ["delivery"],
          {"en": {"title": "Home repair visit", "description": "Inspection at home; repairs extra"}})],
    ),
    (
        uuid.uuid5(uuid.NAMESPACE_URL, "yimatong:demo-merchant:颐康长者服务站"), "颐康长者服务站",
        "eldercare",
        "52520102MJ6DQ10048", (26.5555, 106.6898), ALL_DAY,
        [("上门助浴", "护理员上门协助洗浴，养老服务补贴可抵扣", 6000, None, ["delivery"],
          {"en": {"title": "Bathing help at home",
                  "description": "A carer helps with bathing; care vouchers accepted"}},
          True)],  # subsidy-eligible: an elder's care voucher pays what it can
    ),
]  # fmt: skip


@demo_seeder("commerce")
def seed_commerce() -> dict[str, int]:
    """The demo merchants, verified, owned by 吴刚, each with its listings (idempotent)."""
    owner, _ = identity.get_or_create_person(DEMO_OWNER_PHONE, "吴刚（商户）")
    made = 0
    for merchant_id, name, category, code, (lat, lng), hours, listings in DEMO_MERCHANTS:
        if db.session.get(Merchant, merchant_id) is not None:
            continue
        merchant = _merchant(merchant_id, name, category, code, owner.id, hours)
        merchant.place_at(Point(lat, lng))
        db.session.add(merchant)
        db.session.flush()
        db.session.add(MerchantMember(merchant_id=merchant.id, person_id=owner.id, role=MemberRole.OWNER))
        identity.grant_role(Actor.system(), owner, Role.MERCHANT_OWNER, merchant_id=merchant.id)
        for title, description, price, stock, ways, translations, *subsidised in listings:
            listing = Listing(
                merchant=merchant, merchant_verified=True, category=category, title=title,
                description=description, price_fen=price, stock=stock, fulfilment=ways,
                translations=translations, subsidy_eligible=bool(subsidised and subsidised[0]),
            )  # fmt: skip
            listing.place_at(merchant.point)
            db.session.add(listing)
        made += 1
    db.session.flush()
    return {"merchants": made}


def _merchant(merchant_id, name, category, code, owner_id, hours) -> Merchant:
    return Merchant(
        id=merchant_id,
        name=name,
        category=category,
        credit_code=code,
        licence_name=f"贵阳市南明区{name}",
        legal_representative="吴刚",
        address="贵阳市南明区花果园街道",
        phone="+8613800000008",
        opening_hours=hours,
        closed_dates=[],
        status=MerchantStatus.VERIFIED,
        decided_at=utcnow(),
        registered_by_id=owner_id,
    )
