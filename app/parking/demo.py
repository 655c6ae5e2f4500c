"""Demo data of parking: Guiyang lots of the demo operator, the police client, a plate and a fine."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from app.core.actors import Actor, ActorKind
from app.core.demo import DEMO_RESIDENT_PHONE, demo_seeder
from app.core.geo import Point
from app.core.models import utcnow
from app.core.money import Money
from app.identity import services as identity
from app.parking import services as parking

DEMO_OPERATOR = "demo-parking-operator"  # registered by identity's demo (secret "<id>-secret")
DEMO_POLICE = "demo-traffic-police"
DEMO_PLATE = "贵A12345"
DAY_AND_NIGHT = {
    "unit_minutes": 30,
    "free_minutes": 15,
    "first_hour_fen": 500,
    "periods": [
        {"start": "07:00", "end": "22:00", "unit_fen": 150},
        {"start": "22:00", "end": "07:00", "unit_fen": 50, "cap_fen": 500},
    ],
    "daily_cap_fen": 3000,
    "new_energy_discount_pct": 50,
}
ROADSIDE = {
    "unit_minutes": 15,
    "free_minutes": 15,
    "periods": [
        {"start": "08:00", "end": "20:00", "unit_fen": 100},
        {"start": "20:00", "end": "08:00", "unit_fen": 0},
    ],
    "daily_cap_fen": 2000,
    "new_energy_discount_pct": 0,
    "late_fee": {"grace_days": 7, "daily_permille": 5, "cap_pct": 50},  # unpaid a week: 0.5 % a day
}
DEMO_LOTS = [
    # code, names, kind, address, capacity, (lat, lng), tariff
    ("gy-huaguoyuan", ("花果园购物中心停车场", "花果園購物中心停車場", "Huaguoyuan Mall Car Park"), "lot",
     "南明区花果园大街", 800, (26.5560, 106.6905), DAY_AND_NIGHT),
    ("gy-qianling", ("黔灵山公园停车场", "黔靈山公園停車場", "Qianling Park Car Park"), "lot",
     "云岩区枣山路", 300, (26.5980, 106.6930), DAY_AND_NIGHT),
    ("gy-zhonghua-rd", ("中华北路路侧泊位", "中華北路路側泊位", "Zhonghua North Road Berths"), "roadside",
     "云岩区中华北路", 40, (26.5830, 106.7120), ROADSIDE),
]  # fmt: skip


@demo_seeder("parking")
def seed_parking() -> dict[str, int]:
    """Three lots, the police client, the demo resident's plate and one unpaid fine (not in production)."""
    if not current_app.config["SANDBOX_PROVIDERS"]:
        return {"parking_lots": 0}
    system = Actor.system()
    for code, (zh_hans, zh_hant, en), kind, address, capacity, (lat, lng), tariff in DEMO_LOTS:
        parking.save_lot(
            system,
            code,
            {
                "names": {"zh_Hans": zh_hans, "zh_Hant": zh_hant, "en": en},
                "operator_client_id": DEMO_OPERATOR,
                "kind": kind,
                "address": address,
                "capacity": capacity,
                "point": Point(lat, lng),
                "tariff": tariff,
            },
        )
    identity.upsert_client(
        "traffic_police", "市公安局交通管理局", DEMO_POLICE, secret=DEMO_POLICE + "-secret"
    )
    resident = identity.person_by_phone(DEMO_RESIDENT_PHONE)
    if parking.holder_of(DEMO_PLATE) is None:
        parking.bind_plate(Actor(kind=ActorKind.PERSON, person_id=resident.id), DEMO_PLATE, "李小明", True)
    police = Actor(kind=ActorKind.CLIENT, client_id=DEMO_POLICE, scopes=frozenset({parking.POLICE_SCOPE}))
    occurred = utcnow().replace(second=0, microsecond=0) - timedelta(days=3)
    if not _filed(police, "DEMO-VIO-0001"):
        parking.file_violation(
            police, "DEMO-VIO-0001", DEMO_PLATE, occurred, "南明区遵义路与中华南路交叉口", "1625",
            "驾驶机动车违反道路交通信号灯通行", Money(20_000), 6,
        )  # fmt: skip
    return {"parking_lots": len(DEMO_LOTS)}


def _filed(police: Actor, reference: str) -> bool:
    from app.core.errors import NotFound

    try:
        parking.police_violation(police, reference)
    except NotFound:
        return False
    return True
