"""Demo data: a small believable city (Guiyang districts), its departments and demo accounts."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from flask import current_app

from app.bills import services as bills
from app.city import services as city
from app.complaints import services as complaints
from app.core.actors import Actor, ActorKind, Role
from app.core.calendar import read_calendar_csv, save_calendar_days
from app.core.geo import Point
from app.core.money import Money
from app.extensions import db
from app.identity import clients
from app.identity import services as identity

CALENDAR_FILE = Path(__file__).parent / "core" / "data" / "calendar_cn_2026.csv"
DEMO_MERCHANT_ID = uuid.uuid5(uuid.NAMESPACE_URL, "yimatong:demo-merchant:社区便民超市")

DISTRICTS = [
    (
        "520102",
        "南明区",
        "Nanming District",
        [
            ("520102001", "新华路街道", "Xinhualu Subdistrict", (26.5650, 106.7140)),
            ("520102002", "中华南路街道", "Zhonghua South Road Subdistrict", (26.5725, 106.7128)),
            ("520102003", "花果园街道", "Huaguoyuan Subdistrict", (26.5560, 106.6905)),
        ],
    ),
    (
        "520103",
        "云岩区",
        "Yunyan District",
        [
            ("520103001", "中华北路街道", "Zhonghua North Road Subdistrict", (26.5905, 106.7132)),
            ("520103002", "黔灵东路街道", "Qianling East Road Subdistrict", (26.5960, 106.7035)),
        ],
    ),
    (
        "520115",
        "观山湖区",
        "Guanshanhu District",
        [
            ("520115001", "世纪城街道", "Shijicheng Subdistrict", (26.6230, 106.6300)),
            ("520115002", "金华园街道", "Jinhuayuan Subdistrict", (26.6150, 106.6450)),
        ],
    ),
]

CITY_DEPARTMENTS = [
    ("city-urban-management", "市城市管理局", "Municipal Urban Management Bureau"),
    ("city-ecology-environment", "市生态环境局", "Municipal Ecology and Environment Bureau"),
    ("city-housing", "市住房和城乡建设局", "Municipal Housing and Urban-Rural Development Bureau"),
    ("city-market-regulation", "市市场监督管理局", "Municipal Market Regulation Administration"),
    ("city-civil-affairs", "市民政局", "Municipal Civil Affairs Bureau"),
    ("city-traffic-police", "市公安局交通管理局", "Municipal Traffic Police Bureau"),
    ("city-water", "市水务集团", "City Water Group"),
    ("city-power", "市供电局", "City Power Supply Bureau"),
    ("city-gas", "市燃气集团", "City Gas Group"),
    (
        "city-social-security",
        "市人力资源和社会保障局",
        "Municipal Human Resources and Social Security Bureau",
    ),
    ("city-12345", "市12345政务服务便民热线", "City 12345 Government Service Hotline"),
]

DISTRICT_OFFICES = {
    "520102": ("nanming-office", "南明区人民政府办公室", "Nanming District Government Office"),
    "520103": ("yunyan-office", "云岩区人民政府办公室", "Yunyan District Government Office"),
    "520115": ("guanshanhu-office", "观山湖区人民政府办公室", "Guanshanhu District Government Office"),
}

# phone, display name, role, department code or None
DEMO_PEOPLE = [
    ("+8613800000001", "李小明", None, None),
    ("+8613800000002", "王芳（话务员）", Role.HOTLINE_AGENT, None),
    ("+8613800000003", "赵强（派单员）", Role.DISPATCHER, None),
    ("+8613800000004", "陈静（城管承办）", Role.DEPARTMENT_HANDLER, "city-urban-management"),
    ("+8613800000005", "刘洋（督办）", Role.SUPERVISOR, None),
    ("+8613800000006", "周敏（管理员）", Role.ADMIN, None),
    ("+8613800000007", "孙丽（社区工作者）", Role.COMMUNITY_WORKER, None),
    ("+8613800000008", "吴刚（商户）", Role.MERCHANT_OWNER, None),
    ("+8613800000009", "李奶奶", None, None),
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


def seed_demo() -> dict[str, int]:
    """Create or refresh the demo city; safe to run again."""
    system = Actor.system()
    for code, name_zh, name_en, streets in DISTRICTS:
        district = city.upsert_district(code, name_zh, name_en)
        db.session.flush()
        for street_code, street_zh, street_en, (lat, lng) in streets:
            city.upsert_street(district, street_code, street_zh, street_en, Point(lat, lng))
        office = DISTRICT_OFFICES[code]
        city.upsert_department(*office, district=district)
    for code, name_zh, name_en in CITY_DEPARTMENTS:
        city.upsert_department(code, name_zh, name_en)
    db.session.flush()
    days = save_calendar_days(read_calendar_csv(CALENDAR_FILE))
    for phone, name, role, department in DEMO_PEOPLE:
        person, _ = identity.get_or_create_person(phone, name)
        person.display_name = name
        if role is not None:
            merchant = DEMO_MERCHANT_ID if role == Role.MERCHANT_OWNER else None
            identity.grant_role(system, person, role, department_code=department, merchant_id=merchant)
    categories = complaints.seed_categories()
    rules = _seed_routing_rules()
    demo_clients = seed_demo_clients()
    billers, bills = seed_demo_bills()
    db.session.commit()
    return {
        "categories": categories,
        "routing_rules": rules,
        "districts": len(DISTRICTS),
        "departments": len(CITY_DEPARTMENTS) + len(DISTRICT_OFFICES),
        "calendar_days": days,
        "people": len(DEMO_PEOPLE),
        "clients": demo_clients,
        "billers": billers,
        "bills": bills,
    }


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


def seed_demo_bills() -> tuple[int, int]:
    """Three billers and their clients, the demo resident's accounts and unpaid bills (not in production)."""
    if not current_app.config["SANDBOX_PROVIDERS"]:
        return 0, 0
    system = Actor.system()
    billers = {}
    for spec in DEMO_BILLERS:
        zh_hans, zh_hant, en = spec["names"]
        clients.upsert_client(
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
    resident = identity.person_by_phone(DEMO_PEOPLE[0][0])
    as_resident = Actor(kind=ActorKind.PERSON, person_id=resident.id)
    bound = {(a.biller.code, a.account_number) for a in bills.list_accounts(as_resident)}
    numbers = {}
    for code, number, alias in DEMO_ACCOUNTS:
        numbers[code] = number
        if (code, number) not in bound:
            bills.bind_account(as_resident, billers[code].id, {"account_number": number}, "李小明", alias)
    return len(billers), _push_demo_bills(billers, numbers)


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


# name, category prefixes, district codes, keywords, department, assisting, priority
DEMO_RULES = [
    ("噪音扰民", ["0101"], [], [], "city-ecology-environment", [], 0),
    ("工地夜间施工噪音", ["0101"], [], ["工地", "施工"], "city-housing", ["city-ecology-environment"], 10),
    ("大气与水污染", ["0102", "0103"], [], [], "city-ecology-environment", [], 0),
    ("市容与道路", ["02"], [], [], "city-urban-management", [], 0),
    ("南明区占道经营", ["0204"], ["520102"], [], "nanming-office", ["city-urban-management"], 5),
    ("停水", ["0301"], [], [], "city-water", [], 0),
    ("停电", ["0302"], [], [], "city-power", [], 0),
    ("燃气", ["0303", "0304"], [], [], "city-gas", [], 0),
    ("违法停车", ["0401"], [], [], "city-traffic-police", [], 0),
    ("物业与电梯", ["0501", "0502"], [], [], "city-housing", [], 0),
    ("价格与食品", ["06"], [], [], "city-market-regulation", [], 0),
    ("养老服务", ["0701"], [], [], "city-civil-affairs", [], 0),
    ("社保医保", ["0702"], [], [], "city-social-security", [], 0),
    ("公共事业缴费争议", ["0703"], [], [], "city-market-regulation", [], 0),
    ("水费缴费争议", ["0703"], [], ["水费"], "city-water", ["city-market-regulation"], 5),
    ("电费缴费争议", ["0703"], [], ["电费"], "city-power", ["city-market-regulation"], 5),
    ("燃气费缴费争议", ["0703"], [], ["燃气费"], "city-gas", ["city-market-regulation"], 5),
]


def _seed_routing_rules() -> int:
    """Create the demo routing rules once (supervisors manage them afterwards)."""
    existing = {rule.name for rule in complaints.list_rules(_demo_supervisor())}
    for name, prefixes, districts, keywords, department, assisting, priority in DEMO_RULES:
        if name in existing:
            continue
        complaints.save_rule(
            _demo_supervisor(),
            {
                "name": name,
                "category_prefixes": prefixes,
                "district_codes": districts,
                "keywords": keywords,
                "department_code": department,
                "assisting_codes": assisting,
                "priority": priority,
            },
        )
    return len(DEMO_RULES)


def _demo_supervisor() -> Actor:
    return Actor(kind=ActorKind.PERSON, roles=frozenset({Role.SUPERVISOR}))
