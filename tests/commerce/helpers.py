"""What the commerce tests share: verified merchants with listings, their members, and paid orders."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime

from stdnum.cn import uscc

from app.commerce import services
from app.commerce.models import Listing, MemberRole, Merchant
from app.core.actors import Actor, ActorKind
from app.core.geo import Point
from app.extensions import db
from app.payments import sandbox

CENTRE = Point(26.5560, 106.6905)
ALL_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
NOON = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)  # a Wednesday, 12:00 in Shanghai
_numbers = itertools.count(1)


def credit_code() -> str:
    """A fresh, valid unified social credit code."""
    base = f"91520102MA6T{next(_numbers):05d}"
    return base + uscc.calc_check_digit(base)


def person_actor(person) -> Actor:
    """The actor a resident's (or a merchant member's) own token gives."""
    return Actor(kind=ActorKind.PERSON, person_id=person.id)


def merchant_fields(**overrides) -> dict:
    """A registration as the service takes it."""
    fields = {
        "name": "测试便利店",
        "category": "retail",
        "credit_code": credit_code(),
        "licence_name": "贵阳市测试便利店",
        "legal_representative": "张三",
        "address": "贵阳市南明区",
        "phone": "+8613900000000",
        "opening_hours": ALL_DAY,
        "closed_dates": [],
        "service_radius_m": 1000,
        "language": "zh_Hans",
    }
    fields.update(overrides)
    return fields


def verified_merchant(owner, point: Point = CENTRE, **overrides) -> Merchant:
    """A merchant registered by ``owner`` and verified by the street office."""
    merchant = services.register_merchant(person_actor(owner), point, **merchant_fields(**overrides))
    services.decide_merchant(Actor.system(), merchant.id, verified=True)
    return merchant


def listing(
    merchant: Merchant, owner, *, stock: int | None = 10, price_fen: int = 500, **overrides
) -> Listing:
    """A listing of the merchant, listed by its owner."""
    fields = {"title": "矿泉水", "price_fen": price_fen, "stock": stock, "fulfilment": ["pickup", "delivery"]}
    fields.update(overrides)
    return services.create_listing(person_actor(owner), merchant.id, **fields)


def add_staff(merchant: Merchant, owner, phone: str):
    """The owner adds a staff member."""
    return services.add_member(person_actor(owner), merchant.id, phone, MemberRole.STAFF)


def order(person, item: Listing, quantity: int = 1, key: str | None = None, actor: Actor | None = None):
    """Place an order (committed like the end of a request); returns the order."""
    placed = services.place_order(
        actor or person_actor(person), item.id, quantity, "pickup", key or f"order-{uuid.uuid4()}"
    )
    db.session.commit()
    return placed.record


def settle() -> None:
    """Let the sandbox payment provider's payer pay and deliver its callback."""
    sandbox.run()


def paid_order(person, item: Listing, quantity: int = 1):
    """An order placed and paid."""
    placed = order(person, item, quantity)
    settle()
    db.session.refresh(placed)
    return placed
