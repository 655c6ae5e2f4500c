"""Demo data of elder care: 李奶奶's profile, her guardian 李小明, her worker, her SOS button's platform.

Her mandate to 李小明 covers her elder care, appointments (booking her home visits) and commerce
(ordering care services for her). The care provider's terminal also publishes its home visits as
appointment services (app/appointments/demo.py).
"""

from __future__ import annotations

from datetime import time, timedelta

from flask import current_app

from app.core.actors import Actor, ActorKind, MandateScope, Role
from app.core.demo import DEMO_ELDER_PHONE, DEMO_RESIDENT_PHONE, demo_seeder
from app.core.models import utcnow
from app.core.money import Money
from app.eldercare import services
from app.eldercare.services._shared import profile_of
from app.identity import services as identity

DEMO_ELDER_LEGAL_NAME = "李秀英"
DEMO_ELDER_NATIONAL_ID = "520100194803150025"  # a valid (made-up) Guiyang ID number, born 1948
DEMO_WORKER_PHONE = "+8613800000007"  # 孙丽, the community worker
DEMO_DEVICE_PLATFORM = (
    "care_device",
    "demo-care-devices",
    "社区智慧养老呼叫平台",
    "demo-care-devices-secret",
)
DEMO_DEVICE_SERIAL = "SOS-DEMO-0001"
DEMO_CARE_PROVIDER = (
    "care_provider",
    "demo-care-provider",
    "颐康居家养老服务中心",
    "demo-care-provider-secret",
)
DEMO_VOUCHER_FEN = 20_000  # 200 yuan of care subsidy, granted by her worker
DEMO_PROFILE = {
    "living_situation": "alone",
    "care_level": "assisted",
    "conditions": ["高血压", "2 型糖尿病"],
    "emergency_contacts": [{"name": "王阿姨", "relation": "邻居", "phone": "+8613900000031"}],
    "checkin_by": time(9, 30),
    "worker_phone": DEMO_WORKER_PHONE,
}


@demo_seeder("eldercare")
def seed_eldercare() -> dict[str, int]:
    """李奶奶 verified (aged over 60), her mandate to 李小明 for her care, her profile and SOS button."""
    if not current_app.config["SANDBOX_PROVIDERS"]:
        return {"elder_profiles": 0}
    kind, client_id, name, secret = DEMO_DEVICE_PLATFORM
    identity.upsert_client(kind, name, client_id, secret=secret)
    elder = identity.person_by_phone(DEMO_ELDER_PHONE)
    guardian = identity.person_by_phone(DEMO_RESIDENT_PHONE)
    as_elder = Actor(kind=ActorKind.PERSON, person_id=elder.id)
    if not identity.is_real_name_verified(elder.id):
        identity.verify_real_name(as_elder, DEMO_ELDER_LEGAL_NAME, DEMO_ELDER_NATIONAL_ID)
    if identity.active_mandate(guardian.id, elder.id) is None:
        identity.grant_mandate(
            as_elder,
            grantee_phone=guardian.phone,
            scopes=[
                s.value for s in (MandateScope.ELDERCARE, MandateScope.APPOINTMENTS, MandateScope.COMMERCE)
            ],
            expires_at=utcnow() + timedelta(days=360),
            note="女儿家的孩子，照看奶奶",
        )
    provider_kind, provider_id, provider_name, provider_secret = DEMO_CARE_PROVIDER
    identity.upsert_client(provider_kind, provider_name, provider_id, secret=provider_secret)
    if profile_of(elder.id) is None:
        services.save_profile(as_elder, **DEMO_PROFILE)
        services.register_device(as_elder, serial=DEMO_DEVICE_SERIAL, platform=client_id)
        worker = identity.person_by_phone(DEMO_WORKER_PHONE)
        as_worker = Actor(
            kind=ActorKind.PERSON, person_id=worker.id, roles=frozenset({Role.COMMUNITY_WORKER})
        )
        services.top_up_voucher(as_worker, elder.id, Money(DEMO_VOUCHER_FEN))
    return {"elder_profiles": 1}
