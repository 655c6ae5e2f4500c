"""Demo data of the 12345 hotline: the category tree and routing rules to the demo departments."""

from __future__ import annotations

from app.complaints import services as complaints
from app.core.actors import Actor, ActorKind, Role
from app.core.demo import demo_seeder

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
    ("交通违法申诉", ["0404"], [], [], "city-traffic-police", [], 0),
    ("公交地铁票价", ["0405"], [], [], "city-transport", [], 0),
    ("物业与电梯", ["0501", "0502"], [], [], "city-housing", [], 0),
    ("价格与食品", ["06"], [], [], "city-market-regulation", [], 0),
    ("养老服务", ["0701"], [], [], "city-civil-affairs", [], 0),
    ("社保医保", ["0702"], [], [], "city-social-security", [], 0),
    ("公共事业缴费争议", ["0703"], [], [], "city-market-regulation", [], 0),
    ("水费缴费争议", ["0703"], [], ["水费"], "city-water", ["city-market-regulation"], 5),
    ("电费缴费争议", ["0703"], [], ["电费"], "city-power", ["city-market-regulation"], 5),
    ("燃气费缴费争议", ["0703"], [], ["燃气费"], "city-gas", ["city-market-regulation"], 5),
]


@demo_seeder("complaints")
def seed_complaints() -> dict[str, int]:
    """The 12345 category tree and the demo routing rules."""
    return {"categories": complaints.seed_categories(), "routing_rules": _seed_routing_rules()}


def _seed_routing_rules() -> int:
    """Create the demo routing rules once (supervisors manage them afterwards)."""
    for name, prefixes, districts, keywords, department, assisting, priority in DEMO_RULES:
        if complaints.rule_named(name) is not None:
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
