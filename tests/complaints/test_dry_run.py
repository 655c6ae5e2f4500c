"""The routing rules' dry run: last month's complaints replayed through a draft, nothing written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.complaints import metrics
from app.complaints.models import Complaint, RoutingRuleRecord
from app.core import clock
from app.extensions import db

IN_OCTOBER = datetime(2026, 10, 14, 3, 0, tzinfo=UTC)  # a Wednesday, 11:00 in Shanghai
IN_NOVEMBER = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)
LIGHT = {"category": "0202", "description": "花果园小区门口路灯坏了，晚上一片漆黑"}
SITE_NOISE = {
    "category": "0101",
    "description": "小区旁边工地夜里施工，吵得睡不着",
    "address": "南明区花果园",
}
NOISE = {"category": "0101", "description": "楼下广场舞音响太吵了，每天晚上", "address": "南明区花果园"}
DRAFT = {
    "name": "路灯归供电局",
    "category_prefixes": ["0202"],
    "department_code": "city-power",
    "priority": 20,
}


@pytest.fixture
def october(city, report, resident):
    """Three street lights, one building-site noise and one other noise, reported in October."""
    with clock.frozen(IN_OCTOBER):
        made = [report(resident, **LIGHT) for _ in range(3)]
        made += [report(resident, **SITE_NOISE), report(resident, **NOISE)]
    with clock.frozen(IN_NOVEMBER):
        report(resident, **LIGHT)  # this month: not replayed
    return made


def _dry_run(client, auth, who, body, **headers):
    return client.post("/api/v1/staff/routing-rules/dry-run", json=body, headers=auth(who, **headers))


def _rule(name: str) -> RoutingRuleRecord:
    return db.session.scalar(sa.select(RoutingRuleRecord).where(RoutingRuleRecord.name == name))


def _table_counts() -> tuple:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)),
        db.session.scalar(sa.select(sa.func.count()).select_from(RoutingRuleRecord)),
        db.session.scalar(sa.select(sa.func.max(RoutingRuleRecord.updated_at))),
    )


def test_a_draft_rule_replays_last_month_and_says_what_would_move(client, auth, october, staff):
    before = _table_counts()
    with clock.frozen(IN_NOVEMBER):
        answer = _dry_run(client, auth, staff["supervisor"], {"rules": [DRAFT]})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["start"], body["end"]) == ("2026-10-01", "2026-10-31")  # the previous calendar month
    assert (body["replayed"], body["changed"], body["unchanged"]) == (5, 3, 2)
    assert body["routed_again"] == 3, "only street lights: no other complaint can meet the draft"
    [move] = body["moves"]
    assert (move["from_code"], move["to_code"], move["count"]) == ("city-urban-management", "city-power", 3)
    assert move["to_name"] == "市供电局"
    assert {item["tracking_number"] for item in body["sample"]} == {c["tracking_number"] for c in october[:3]}
    assert body["sample"][0]["proposed_reasons"] == [["category", "0202"]]
    assert "description" not in body["sample"][0] and "reporter" not in str(body)
    assert _table_counts() == before, "a dry run writes nothing"


def test_changing_and_switching_off_rules(client, auth, october, staff):
    site_rule = db.session.scalar(
        sa.select(RoutingRuleRecord).where(RoutingRuleRecord.name == "工地夜间施工噪音")
    )
    noise_rule = db.session.scalar(sa.select(RoutingRuleRecord).where(RoutingRuleRecord.name == "噪音扰民"))
    period = {"start": "2026-10-01", "end": "2026-10-31"}
    switched = _dry_run(client, auth, staff["supervisor"], {"switched_off": [str(site_rule.id)], **period})
    body = switched.get_json()
    assert body["changed"] == 1
    assert [(m["from_code"], m["to_code"]) for m in body["moves"]] == [
        ("city-housing", "city-ecology-environment")
    ]

    changed = {**DRAFT, "id": str(noise_rule.id), "name": "噪音归城管", "category_prefixes": ["0101"],
               "department_code": "city-urban-management", "priority": 0}  # fmt: skip
    body = _dry_run(client, auth, staff["supervisor"], {"rules": [changed], **period}).get_json()
    assert body["changed"] == 1, "only the plain noise complaint: the building-site rule still wins the other"
    assert body["sample"][0]["proposed_rule"] == noise_rule.number, "a changed rule keeps its number"

    anywhere = {"name": "施工归住建", "keywords": ["施工"], "department_code": "city-housing", "priority": 50}
    body = _dry_run(client, auth, staff["supervisor"], {"rules": [anywhere], **period}).get_json()
    assert body["routed_again"] == 5, "no category criterion: every complaint is replayed"
    assert (body["changed"], body["other_rule"]) == (0, 1), "the building site stays with housing"
    nowhere = {**DRAFT, "category_prefixes": ["0401"]}
    body = _dry_run(client, auth, staff["supervisor"], {"rules": [nowhere], **period}).get_json()
    assert (body["replayed"], body["routed_again"], body["changed"], body["moves"]) == (5, 0, 0, [])

    everything_off = {"switched_off": [str(site_rule.id), str(noise_rule.id)], **period}
    body = _dry_run(client, auth, staff["supervisor"], everything_off).get_json()
    assert sorted((m["from_code"], m["to_code"], m["count"]) for m in body["moves"]) == [
        ("city-ecology-environment", metrics.QUEUE, 1),
        ("city-housing", metrics.QUEUE, 1),
    ]
    assert body["moves"][0]["to_name"] == "待派单队列"


def test_the_sample_is_capped_and_the_period_bounded(client, auth, october, staff):
    period = {"start": "2026-10-01", "end": "2026-10-31"}
    body = _dry_run(client, auth, staff["supervisor"], {"rules": [DRAFT], "sample": 1, **period}).get_json()
    assert body["changed"] == 3 and len(body["sample"]) == 1
    too_many = _dry_run(client, auth, staff["supervisor"], {"rules": [DRAFT], "sample": 51, **period})
    assert too_many.status_code == 422
    a_year = _dry_run(
        client, auth, staff["supervisor"], {"rules": [DRAFT], "start": "2026-01-01", "end": "2026-10-31"},
        **{"Accept-Language": "en"},
    )  # fmt: skip
    assert a_year.status_code == 422
    assert a_year.get_json()["errors"]["end"] == ["A period lasts at most 92 days."]
    half = _dry_run(client, auth, staff["supervisor"], {"rules": [DRAFT], "start": "2026-10-01"})
    assert half.status_code == 422


def test_keyset_chunks_read_every_complaint_once(app, city, report, resident, october):
    since, until = metrics.period_bounds(IN_OCTOBER.date(), IN_OCTOBER.date())
    rows = list(metrics.period_rows((Complaint.tracking_number,), since, until, chunk=2))
    assert sorted(r.tracking_number for r in rows) == sorted(c["tracking_number"] for c in october)
    assert len({r.id for r in rows}) == 5


def test_only_supervisors_dry_run_and_bad_drafts_are_explained(client, auth, city, staff, resident):
    for who in (staff["dispatcher"], staff["handler"], resident):
        assert _dry_run(client, auth, who, {"rules": [DRAFT]}).status_code == 403
    unknown = _dry_run(client, auth, staff["supervisor"], {"rules": [{**DRAFT, "department_code": "nope"}]})
    assert unknown.status_code == 422
    no_rule = _dry_run(
        client, auth, staff["supervisor"], {"switched_off": ["01900000-0000-7000-8000-000000000000"]},
        **{"Accept-Language": "zh-TW"},
    )  # fmt: skip
    assert no_rule.status_code == 422
    assert no_rule.get_json()["errors"]["rules"][0].startswith("沒有")
    extra = _dry_run(client, auth, staff["supervisor"], {"rules": [{**DRAFT, "number": 3}]})
    assert extra.status_code == 422, "a draft cannot set what the server assigns"
