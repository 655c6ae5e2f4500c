"""Table-driven routing: which rule fires for which complaint, and why."""

import pytest

from app.complaints.routing import ComplaintFacts, RoutingRule, RuleSet

RULES = RuleSet(
    [
        RoutingRule(1, "噪音扰民", "city-ecology-environment", category_prefixes=("0101",)),
        RoutingRule(
            2,
            "南明区噪音",
            "nanming-office",
            category_prefixes=("0101",),
            district_codes=("520102",),
            assisting_codes=("city-ecology-environment",),
        ),
        RoutingRule(
            3,
            "工地夜间施工",
            "city-housing",
            priority=10,
            category_prefixes=("01",),
            keywords=("工地", "施工"),
        ),
        RoutingRule(4, "城市管理", "city-urban-management", category_prefixes=("02",)),
        RoutingRule(5, "停水", "city-water", category_prefixes=("0301",)),
        RoutingRule(
            6, "花果园占道", "nanming-office", category_prefixes=("0204",), street_codes=("520102003",)
        ),
        RoutingRule(7, "燃气关键词", "city-gas", keywords=("燃气", "煤气")),
    ]
)

CASES = [
    # category, district, street, text, expected department, expected rule number
    ("0101", "520103", None, "楼下广场舞声音太大", "city-ecology-environment", 1),
    ("0101", "520102", None, "楼下广场舞声音太大", "nanming-office", 2),
    ("0101", "520102", None, "隔壁工地晚上施工很吵", "city-housing", 3),
    ("0201", "520115", None, "路面坑洼", "city-urban-management", 4),
    ("0204", "520102", "520102003", "人行道摆摊", "nanming-office", 6),
    ("0204", "520102", "520102001", "人行道摆摊", "city-urban-management", 4),
    ("0301", None, None, "小区停水两天", "city-water", 5),
    ("9901", None, None, "家里煤气味很重", "city-gas", 7),
    ("0102", None, None, "NOISE from a site: 施工", "city-housing", 3),
]


@pytest.mark.parametrize(("category", "district", "street", "text", "department", "rule"), CASES)
def test_rule_that_fires(category, district, street, text, department, rule):
    decision = RULES.route(ComplaintFacts(category, district, street, text))
    assert decision is not None
    assert (decision.department_code, decision.rule.number) == (department, rule)


def test_no_match_goes_to_the_dispatchers():
    assert RULES.route(ComplaintFacts("0601", "520102", None, "菜价太贵")) is None


def test_decision_says_why_and_who_assists():
    decision = RULES.route(ComplaintFacts("0101", "520102", None, "吵"))
    assert decision.reasons == (("category", "0101"), ("district", "520102"))
    assert decision.assisting_codes == ("city-ecology-environment",)


def test_keyword_rule_explains_the_word():
    decision = RULES.route(ComplaintFacts("0101", None, None, "工地太吵"))
    assert decision.reasons == (("category", "0101"), ("keyword", "工地"))


def test_equal_priority_prefers_the_more_specific_then_lower_number():
    rules = RuleSet(
        [
            RoutingRule(9, "broad", "a", category_prefixes=("01",)),
            RoutingRule(8, "broad too", "b", category_prefixes=("01",)),
            RoutingRule(10, "narrow", "c", category_prefixes=("0101",), district_codes=("1",)),
        ]
    )
    assert RULES is not rules
    assert rules.route(ComplaintFacts("0101", "1")).department_code == "c"
    assert rules.route(ComplaintFacts("0101", "2")).department_code == "b"


def test_thousand_rules_still_pick_the_right_one():
    many = [RoutingRule(n, f"r{n}", f"dept-{n}", category_prefixes=(f"{n:04d}",)) for n in range(1, 1001)]
    rules = RuleSet(
        [*many, RoutingRule(5000, "district", "special", category_prefixes=("0500",), district_codes=("x",))]
    )
    assert rules.route(ComplaintFacts("0500", "x")).department_code == "special"
    assert rules.route(ComplaintFacts("0500", "y")).department_code == "dept-500"
    assert rules.route(ComplaintFacts("0999")).department_code == "dept-999"
