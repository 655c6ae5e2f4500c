"""Demo data of identity: one account per role, and the demo apps and institutions (not in production)."""

from __future__ import annotations

import uuid

from flask import current_app

from app.core.actors import Actor, Role
from app.core.demo import DEMO_ELDER_PHONE, DEMO_RESIDENT_PHONE, demo_seeder
from app.identity import clients
from app.identity import services as identity

DEMO_MERCHANT_ID = uuid.uuid5(uuid.NAMESPACE_URL, "yimatong:demo-merchant:社区便民超市")

# phone, display name, role, department code or None
DEMO_PEOPLE = [
    (DEMO_RESIDENT_PHONE, "李小明", None, None),
    ("+8613800000002", "王芳（话务员）", Role.HOTLINE_AGENT, None),
    ("+8613800000003", "赵强（派单员）", Role.DISPATCHER, None),
    ("+8613800000004", "陈静（城管承办）", Role.DEPARTMENT_HANDLER, "city-urban-management"),
    ("+8613800000005", "刘洋（督办）", Role.SUPERVISOR, None),
    ("+8613800000006", "周敏（管理员）", Role.ADMIN, None),
    ("+8613800000007", "孙丽（社区工作者）", Role.COMMUNITY_WORKER, None),
    ("+8613800000008", "吴刚（商户）", Role.MERCHANT_OWNER, None),
    (DEMO_ELDER_PHONE, "李奶奶", None, None),
]


# The apps and institutions of the demo, with fixed credentials so the README can list them.
# Outside production only: real clients are registered with `flask clients create`.
DEMO_REDIRECT_URIS = ["http://127.0.0.1:8765/callback", "yimatong://oauth/callback"]
DEMO_PUBLIC_CLIENTS = [
    # client_id, name, first party
    ("yimatong-mini-program", "一码通城小程序", True),
    ("demo-green-travel", "绿色出行（第三方应用）", False),
]
DEMO_INSTITUTIONS = [
    # kind, client_id, name, secret (the api_key of the Open311 client)
    ("biller", "demo-water-biller", "市水务集团缴费平台", "demo-water-biller-secret"),
    ("parking_operator", "demo-parking-operator", "城市智慧停车运营公司", "demo-parking-operator-secret"),
    ("hospital", "demo-hospital", "市第一人民医院", "demo-hospital-secret"),
    ("social_security", "demo-social-security", "市社会保险事业管理局", "demo-social-security-secret"),
    ("open311", "demo-open311", "Open311 接入方（示例）", "demo-open311-api-key"),
    ("scanner", "demo-gate-scanner", "地铁1号线闸机", "demo-gate-scanner-secret"),
]


def seed_demo_clients() -> int:
    """Register the demo apps and one client of each institutional kind (not in production)."""
    if not current_app.config["SANDBOX_PROVIDERS"]:
        return 0
    for client_id, name, first_party in DEMO_PUBLIC_CLIENTS:
        clients.upsert_client(
            "public", name, client_id, redirect_uris=DEMO_REDIRECT_URIS, first_party=first_party
        )
    for kind, client_id, name, secret in DEMO_INSTITUTIONS:
        clients.upsert_client(kind, name, client_id, secret=secret)
    return len(DEMO_PUBLIC_CLIENTS) + len(DEMO_INSTITUTIONS)


@demo_seeder("identity")
def seed_identity() -> dict[str, int]:
    """The demo people with their roles, and the demo clients."""
    system = Actor.system()
    for phone, name, role, department in DEMO_PEOPLE:
        person, _ = identity.get_or_create_person(phone, name)
        person.display_name = name
        if role is not None:
            merchant = DEMO_MERCHANT_ID if role == Role.MERCHANT_OWNER else None
            identity.grant_role(system, person, role, department_code=department, merchant_id=merchant)
    return {"people": len(DEMO_PEOPLE), "clients": seed_demo_clients()}
