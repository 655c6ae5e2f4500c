"""Demo data of bills: three sandbox billers of Guiyang, the demo resident's accounts and bills."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from app.bills import services as bills
from app.core.actors import Actor, ActorKind
from app.core.demo import DEMO_RESIDENT_PHONE, demo_seeder
from app.core.money import Money
from app.identity import services as identity


def _label(zh_hans: str, zh_hant: str, en: str) -> dict:
    return {"zh_Hans": zh_hans, "zh_Hant": zh_hant, "en": en}


# The demo's billers (sandbox: they confirm accounts by rule; see app/bills/sandbox.py), each with
# its own client (client credentials, bills:write; secret "<client_id>-secret").
DEMO_BILLERS = [
    {
        "code": "gy-water",
        "client_id": "demo-water-biller",
        "category": "water",
        "names": ("贵阳市水务集团", "貴陽市水務集團", "Guiyang Water Group"),
        "department_code": "city-water",
        "fields": [
            ("account_number", _label("户号", "戶號", "Account number"), r"\d{10}", "5201000012", True),
            ("meter_no", _label("水表号", "水錶號", "Meter number"), r"[A-Z]{2}\d{6}", "GY123456", False),
        ],
        "supports_fetch": True,
    },
    {
        "code": "gy-power",
        "client_id": "demo-power-biller",
        "category": "electricity",
        "names": ("贵阳供电局", "貴陽供電局", "Guiyang Power Supply Bureau"),
        "department_code": "city-power",
        "fields": [
            (
                "account_number",
                _label("用电户号", "用電戶號", "Electricity account"),
                r"\d{10}",
                "0520123456",
                True,
            )
        ],
        "supports_fetch": True,
    },
    {
        "code": "gy-gas",
        "client_id": "demo-gas-biller",
        "category": "gas",
        "names": ("贵阳燃气集团", "貴陽燃氣集團", "Guiyang Gas Group"),
        "department_code": "city-gas",
        "fields": [
            ("account_number", _label("燃气户号", "燃氣戶號", "Gas account"), r"G\d{9}", "G520100018", True)
        ],
        "supports_fetch": False,
    },
]
# The demo resident's accounts: biller code, account number, alias; and their unpaid bills:
# biller code, bill number suffix, amount in fen, days until due (negative: overdue).
DEMO_ACCOUNTS = [
    ("gy-water", "5201034562", "家里"),
    ("gy-power", "0520123456", "家里"),
    ("gy-gas", "G520100018", "家里"),
]
DEMO_BILLS = [
    ("gy-water", "W", 4_560, 10),
    ("gy-power", "E", 12_840, 5),
    ("gy-power", "E-PREV", 9_620, -3),
    ("gy-gas", "G", 6_200, 12),
]


@demo_seeder("bills")
def seed_bills() -> dict[str, int]:
    """Three billers and their clients, the demo resident's accounts and unpaid bills (not in production)."""
    if not current_app.config["SANDBOX_PROVIDERS"]:
        return {"billers": 0, "bills": 0}
    system = Actor.system()
    billers = {}
    for spec in DEMO_BILLERS:
        zh_hans, zh_hant, en = spec["names"]
        identity.upsert_client(
            "biller", zh_hans + "缴费平台", spec["client_id"], secret=spec["client_id"] + "-secret"
        )
        billers[spec["code"]], _ = bills.save_biller(
            system,
            spec["code"],
            {
                "client_id": spec["client_id"],
                "category": spec["category"],
                "city_code": "520100",
                "name_zh_hans": zh_hans,
                "name_zh_hant": zh_hant,
                "name_en": en,
                "department_code": spec["department_code"],
                "account_fields": [
                    {
                        "name": name,
                        "label": label,
                        "pattern": pattern,
                        "example": example,
                        "required": required,
                    }
                    for name, label, pattern, example, required in spec["fields"]
                ],
                "supports_fetch": spec["supports_fetch"],
                "payment_modes": ["app", "autopay"],
                "confirms_by": "rule",
                "active": True,
            },
        )
    resident = identity.person_by_phone(DEMO_RESIDENT_PHONE)
    as_resident = Actor(kind=ActorKind.PERSON, person_id=resident.id)
    bound = {(a.biller.code, a.account_number) for a in bills.list_accounts(as_resident)}
    numbers = {}
    for code, number, alias in DEMO_ACCOUNTS:
        numbers[code] = number
        if (code, number) not in bound:
            bills.bind_account(as_resident, billers[code].id, {"account_number": number}, "李小明", alias)
    return {"billers": len(billers), "bills": _push_demo_bills(billers, numbers)}


def _push_demo_bills(billers: dict, numbers: dict) -> int:
    today = bills.business_date()
    this_month = today.replace(day=1)
    previous = (this_month - timedelta(days=1)).replace(day=1)
    count = 0
    for code, suffix, fen, days in DEMO_BILLS:
        month = previous if suffix.endswith("PREV") else this_month
        item = {
            "index": 0,
            "bill_no": f"DEMO-{suffix.split('-')[0]}-{numbers[code]}-{month:%Y%m}",
            "account_number": numbers[code],
            "period": f"{month:%Y-%m}",
            "amount": Money(fen),
            "due_date": today + timedelta(days=days),
            "line_items": [],
        }
        biller = billers[code]
        actor = Actor(
            kind=ActorKind.CLIENT, client_id=biller.client_id, scopes=frozenset({bills.WRITE_SCOPE})
        )
        count += len(bills.push_bills(actor, [item]).accepted)
    return count
