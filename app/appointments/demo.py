"""Demo data of appointments: the hospital, the service hall and a home-care provider, two weeks of plans.

The hospital is identity's demo institution ``demo-hospital``; the service hall's client is here; the
home-care provider (颐康居家养老服务中心) is elder care's demo terminal ``demo-care-provider``, whose
home visits (上门助医, 助洁) are booked here and verified at the elder's door.
Each publishes through the same services as the API; running the seeder again leaves what exists.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from app.appointments import services
from app.appointments.models import Provider
from app.core.actors import Actor, ActorKind
from app.core.calendar import business_date
from app.core.demo import demo_seeder
from app.core.geo import Point
from app.extensions import db
from app.identity import services as identity

DEMO_HALL_CLIENT = ("service_hall", "demo-service-hall", "市政务服务中心", "demo-service-hall-secret")
HOSPITAL = {
    "client_id": "demo-hospital",
    "kind": "hospital",
    "names": {"zh_Hans": "市第一人民医院", "zh_Hant": "市第一人民醫院", "en": "First People's Hospital"},
    "address": "南明区中华南路97号",
    "location": Point(26.5676, 106.7128),
    "rules": {"window_days": 7, "opens_at": "08:00", "cancel_days_before": 1, "cancel_until": "15:00"},
    "services": [
        (
            {"zh_Hans": "内科普通门诊", "zh_Hant": "內科普通門診", "en": "Internal medicine clinic"},
            "内科",
            "",
            "",
            20,
        ),
        (
            {"zh_Hans": "心内科专家门诊", "zh_Hant": "心內科專家門診", "en": "Cardiology specialist clinic"},
            "心内科",
            "张建国",
            "主任医师",
            1,
        ),
    ],
    "plan": {
        "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "day_start": "08:00",
        "day_end": "17:30",
        "breaks": [["12:00", "14:00"]],
        "slot_minutes": 30,
    },
}
HALL = {
    "client_id": "demo-service-hall",
    "kind": "service_hall",
    "names": {
        "zh_Hans": "市政务服务中心",
        "zh_Hant": "市政務服務中心",
        "en": "City Government Service Center",
    },
    "address": "观山湖区金阳南路6号",
    "location": Point(26.6180, 106.6280),
    "rules": {
        "window_days": 14,
        "opens_at": "09:00",
        "cancel_days_before": 0,
        "cancel_until": "08:30",
        "per_day": 2,
    },
    "services": [
        (
            {"zh_Hans": "居民身份证办理", "zh_Hant": "居民身分證辦理", "en": "Resident ID card"},
            "公安窗口",
            "",
            "",
            4,
        ),
        (
            {"zh_Hans": "不动产登记", "zh_Hant": "不動產登記", "en": "Real estate registration"},
            "不动产窗口",
            "",
            "",
            2,
        ),
    ],
    "plan": {
        "weekdays": [0, 1, 2, 3, 4],
        "working_days_only": True,
        "day_start": "09:00",
        "day_end": "17:00",
        "breaks": [["12:00", "13:00"]],
        "slot_minutes": 20,
        "buffer_minutes": 10,
    },
}
HOME_CARE = {
    "client_id": "demo-care-provider",  # elder care's demo care provider (its client is made there)
    "kind": "community",
    "names": {
        "zh_Hans": "颐康居家养老服务中心",
        "zh_Hant": "頤康居家養老服務中心",
        "en": "Yikang Home Care Centre",
    },
    "address": "南明区花果园街道社区服务中心",
    "location": Point(26.5555, 106.6898),
    "rules": {"window_days": 7, "opens_at": "00:00", "cancel_days_before": 0, "cancel_until": "07:00"},
    "services": [
        (
            {"zh_Hans": "上门助医", "zh_Hant": "上門助醫", "en": "Medical visit at home"},
            "居家护理",
            "",
            "",
            3,
            "medical_visit",
        ),
        (
            {"zh_Hans": "助洁（上门保洁）", "zh_Hant": "助潔（上門保潔）", "en": "Cleaning at home"},
            "居家服务",
            "",
            "",
            3,
            "cleaning",
        ),
    ],
    "plan": {"weekdays": [0, 1, 2, 3, 4, 5, 6], "day_start": "08:00", "day_end": "20:00", "slot_minutes": 60},
}
PLAN_DAYS = 14


def _publish(spec: dict) -> int:
    actor = Actor(
        kind=ActorKind.CLIENT, client_id=spec["client_id"], scopes=frozenset({"appointments:write"})
    )
    existing = db.session.scalar(
        db.select(Provider).where(
            Provider.client_id == spec["client_id"], Provider.name_zh_hans == spec["names"]["zh_Hans"]
        )
    )
    if existing is not None:
        return 0
    provider = services.create_provider(
        actor,
        kind=spec["kind"],
        names=spec["names"],
        address=spec["address"],
        location=spec["location"],
        rules=spec["rules"],
    )
    today = business_date()
    made = 0
    for names, department, practitioner, title, seats, *service_type in spec["services"]:
        service = services.add_service(
            actor,
            provider.id,
            names=names,
            department=department,
            practitioner=practitioner,
            practitioner_title=title,
            service_type=service_type[0] if service_type else "",
        )
        plan = {
            **spec["plan"],
            "seats": seats,
            "valid_from": today,
            "valid_until": today + timedelta(days=PLAN_DAYS),
        }
        _, count = services.publish_schedule(actor, service.id, **plan)
        made += count
    return made


@demo_seeder("appointments")
def seed_appointments() -> dict[str, int]:
    """The service hall's client; the hospital, the hall and the home-care provider, two weeks of slots."""
    if not current_app.config["SANDBOX_PROVIDERS"]:
        return {"appointment_slots": 0}
    kind, client_id, name, secret = DEMO_HALL_CLIENT
    identity.upsert_client(kind, name, client_id, secret=secret)
    return {"appointment_slots": _publish(HOSPITAL) + _publish(HALL) + _publish(HOME_CARE)}
