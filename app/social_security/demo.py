"""Demo data of social security: the fund centre's client, the demo resident's real name and records."""

from __future__ import annotations

from flask import current_app

from app.core.actors import Actor, ActorKind
from app.core.demo import DEMO_RESIDENT_PHONE, demo_seeder
from app.identity import services as identity
from app.social_security import services

# The bureau's client (demo-social-security) is identity's demo institution; the fund centre's is here.
DEMO_FUND_CLIENT = ("housing_fund", "demo-housing-fund", "市住房公积金管理中心", "demo-housing-fund-secret")
DEMO_LEGAL_NAME = "李小明"
DEMO_NATIONAL_ID = "520102199003071236"  # a valid (made-up) Guiyang Nanming ID number


@demo_seeder("social_security")
def seed_social_security() -> dict[str, int]:
    """The fund centre's client; 李小明 verified by real name; his records from the sandbox institutions."""
    if not current_app.config["SANDBOX_PROVIDERS"]:
        return {"social_security_records": 0}
    kind, client_id, name, secret = DEMO_FUND_CLIENT
    identity.upsert_client(kind, name, client_id, secret=secret)
    resident = identity.person_by_phone(DEMO_RESIDENT_PHONE)
    as_resident = Actor(kind=ActorKind.PERSON, person_id=resident.id)
    if not identity.is_real_name_verified(resident.id):
        identity.verify_real_name(as_resident, DEMO_LEGAL_NAME, DEMO_NATIONAL_ID)
    delivered = services.refresh(as_resident)
    return {"social_security_records": sum(item.records for item in delivered)}
