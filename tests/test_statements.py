"""Statements per request on the hot paths, pinned: a regression fails here, never a timing.

A page of a list costs the same statements whatever its size (no query per item), and ``/me`` —
what every API call's authentication costs, plus the profile — is two statements.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import datetime
from unittest import mock

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.city import services as city_services
from app.complaints.models import Complaint
from app.core import clock
from app.core.calendar import SHANGHAI
from app.extensions import db as _db
from app.extensions import get_redis
from app.identity import clients, tokens
from app.identity.services import person_by_phone
from tests.bills import helpers as bills
from tests.complaints.conftest import report  # noqa: F401 - fixture
from tests.home.conftest import city, everything, staff  # noqa: F401 - fixtures
from tests.statements import Statements

DEMO_RESIDENT = "+8613800000001"


def counted(client, path: str, headers: dict) -> tuple[int, dict]:
    client.get(path, headers=headers)  # warm: the token's key, reference data
    with Statements() as seen:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_json()
    return seen.count, response.get_json()


def test_me_is_the_caller_and_their_channels_in_two_statements(client, auth, demo):
    resident = person_by_phone(DEMO_RESIDENT)
    count, body = counted(client, "/api/v1/me", auth(resident))
    assert body["id"] == str(resident.id)
    assert count == 2


def test_me_shows_roles_and_a_change_of_name_at_once_from_the_one_caller_read(client, auth, demo):
    handler = person_by_phone("+8613800000004")  # the demo's urban-management handler
    headers = auth(handler)
    changed = client.patch("/api/v1/me", json={"display_name": "新名字"}, headers=headers)
    assert changed.status_code == 200, changed.get_json()
    count, body = counted(client, "/api/v1/me", headers)
    assert (body["display_name"], count) == ("新名字", 2)
    grant = handler.roles[0]
    assert body["roles"] == [
        {
            "id": str(grant.id),
            "role": "department_handler",
            "department_id": str(grant.department_id),
            "merchant_id": None,
        }
    ]


def test_a_fresh_city_code_is_the_caller_read_and_no_other_statement(client, auth, demo):
    resident = person_by_phone(DEMO_RESIDENT)
    count, body = counted(client, "/api/v1/me/citycode", auth(resident))
    assert body["code"] and count == 1, "the signing key is held by the process; the holder is the caller"


HOME_STATEMENTS = [
    "the caller (person, roles, token revocation)",
    "every domain's cards for me, in one statement",
    "the people whose mandates I hold and my service visits (the shortcuts), in one statement",
    "the elder's cards within the mandate's scopes, in one statement",
]
# Not among them: the elder's access log, written at most hourly, asked for the last look once and
# then known to the worker until the hour is over (the warm-up's two visits write it and read it).


def test_the_home_with_a_card_from_every_domain_and_an_elder_is_a_fixed_few_statements(
    client,
    auth,
    everything,  # noqa: F811 - the fixture imported above
):
    headers = auth(everything["resident"])
    for _ in range(2):  # warm: the token's key, the catalogue, the elder's last look
        client.get("/api/v1/me/home", headers=headers)
    with Statements() as seen:
        body = client.get("/api/v1/me/home", headers=headers).get_json()
    assert len(body["mine"]["cards"]) >= 14 and len(body["on_behalf"]) == 1
    assert seen.count == len(HOME_STATEMENTS), "\n\n".join(seen.seen)


@pytest.fixture
def busy_resident(demo, client, auth, report):  # noqa: F811 - the fixture imported above
    """The demo resident with bills, messages and records from the demo, three reports and two payments."""
    resident = person_by_phone(DEMO_RESIDENT)
    with clock.frozen(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)):
        for n, (street, lat) in enumerate((("东门", 26.5561), ("西门", 26.5591), ("北门", 26.5621))):
            report(
                resident,
                description=f"花果园小区{street}路灯坏了，第{n + 1}盏",
                location={"lat": lat, "lng": 106.69},
            )
        biller = bills.make_biller(code="stmt-water", client_id="stmt-water-biller")
        for n in range(2):
            bills.paid_bill(resident, biller, bill_no=f"STMT-{n}")
    return resident


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/bills",
        "/api/v1/me/inbox",
        "/api/v1/complaints",
        "/api/v1/payments",
        "/api/v1/social-security/records",
    ],
)
def test_a_page_costs_the_same_statements_whatever_its_size(client, auth, busy_resident, path):
    headers = auth(busy_resident)
    one, small = counted(client, f"{path}?limit=1", headers)
    many, large = counted(client, f"{path}?limit=50", headers)
    assert len(small["items"]) == 1 and len(large["items"]) >= 2, "the list needs rows to prove anything"
    assert many == one, f"{path}: {one} statements for one item, {many} for {len(large['items'])}"


def test_an_intake_reads_the_calendar_once_for_both_of_its_deadlines(client, auth, demo):
    resident = person_by_phone(DEMO_RESIDENT)
    body = {
        "category": "0202",
        "description": "中华北路公交站旁的路灯不亮了",
        "address": "云岩区中华北路",
        "location": {"lat": 26.5861, "lng": 106.7106},
    }
    with clock.frozen(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)), Statements() as seen:
        filed = client.post("/api/v1/complaints", json=body, headers=auth(resident))
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["status"] == "dispatched"  # dispatched at once: both deadlines were set
    assert sum("FROM calendar_days" in statement for statement in seen.seen) <= 1  # 0 once the process has it


# --- the hot paths of issue 12: each statement named, so a new one is a decision, not a drift ---------


def _warm_process_jobs_queued():
    """Jobs handed over after commit without running them here: the web tier as with Redis and workers."""
    return mock.patch("app.core.jobs.handover._run_inline", lambda app, requests: None)


INTAKE_STATEMENTS = [
    "the caller (person, roles, token revocation)",
    "the category (reference data kept by the process: only the row by primary key)",
    "the routing rules' version",
    "the complaint, routed, dispatched and with both deadlines: one INSERT",
    "its two timeline events: one INSERT",
    "the duplicate check: open complaints nearby",
    "the reporter's subscription",
    "the followers, for the notice 'received'",
    "the notice 'received' (outbox, returned as inserted)",
    "the lead department's name, for the notice 'dispatched'",
    "the followers, for the notice 'dispatched'",
    "the notice 'dispatched'",
    "the department's handlers",
    "the notice 'new work' to them",
    "the answer: the departments' names",
    "the answer: the photos",
]


def test_an_intake_reads_no_reference_data_once_the_process_has_it(client, auth, demo):
    resident = person_by_phone(DEMO_RESIDENT)
    body = {
        "category": "0202",
        "description": "中华北路公交站旁的路灯不亮了",
        "address": "云岩区中华北路",
        "location": {"lat": 26.5861, "lng": 106.7106},
    }
    with clock.frozen(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)), _warm_process_jobs_queued():
        headers = auth(resident)
        first = client.post(
            "/api/v1/complaints", json={**body, "description": "花果园路灯坏了"}, headers=headers
        )
        assert first.status_code == 201, first.get_json()
        with Statements() as seen:
            filed = client.post("/api/v1/complaints", json=body, headers=headers)
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["status"] == "dispatched" and filed.get_json()["department"]
    reference = (
        "FROM streets",
        "FROM districts",
        "FROM calendar_days",
        "departments.code =",
        "parent_code =",
    )
    assert not [s for s in seen.seen if any(table in s for table in reference)], "\n\n".join(seen.seen)
    assert seen.count == len(INTAKE_STATEMENTS), "\n\n".join(seen.seen)
    assert not seen.compiled, "every statement of a second intake comes compiled from the cache"


def test_a_street_added_is_located_by_the_next_intake_without_a_restart(client, auth, demo):
    resident = person_by_phone(DEMO_RESIDENT)
    body = {"category": "0202", "description": "新街道的路灯坏了", "address": "观山湖区测试新街道"}

    def street_of(response):
        assert response.status_code == 201, response.get_json()
        return _db.session.get(Complaint, uuid.UUID(response.get_json()["id"])).street_id

    assert street_of(client.post("/api/v1/complaints", json=body, headers=auth(resident))) is None
    district = city_services.upsert_district("520115", {"zh_Hans": "观山湖区"})
    street = city_services.upsert_street(district, "520115999", {"zh_Hans": "测试新街道"})
    _db.session.commit()  # the street's commit invalidates what every process keeps of the city
    located = street_of(client.post("/api/v1/complaints", json=body, headers=auth(resident)))
    assert located == street.id


PAYMENT_STATEMENTS = [
    "the caller (person, roles, token revocation)",
    "the Idempotency-Key claimed: INSERT ... ON CONFLICT DO NOTHING RETURNING (then committed)",
    "the bill locked (FOR UPDATE NOWAIT) with its biller",
    "the payment intent",
    "its purpose claimed (one intent per bill at a time)",
    "the sandbox charge: INSERT ... ON CONFLICT DO NOTHING RETURNING",
    "the charge's reference on the intent",
    "the response stored for the key",
]


def test_a_bill_payment_is_eight_statements_and_two_commits(client, auth, resident):
    biller = bills.make_biller(code="stmt-pay-water", client_id="stmt-pay-biller")
    number = bills.account_number()
    bills.bind(resident, biller, number)
    first, second = bills.push(biller, "SP-1", number), bills.push(biller, "SP-2", number)
    requests = [
        ({"bill_ids": [str(bill.id)]}, auth(resident, **{"Idempotency-Key": f"stmt-pay-{n}"}))
        for n, bill in enumerate((first, second))
    ]
    commits = []
    client.post("/api/v1/bills/payments", json=requests[0][0], headers=requests[0][1])
    with _counting_commits(commits), Statements() as seen:
        paid = client.post("/api/v1/bills/payments", json=requests[1][0], headers=requests[1][1])
    assert paid.status_code == 201, paid.get_json()
    assert seen.count == len(PAYMENT_STATEMENTS), "\n\n".join(seen.seen)
    assert len(commits) == 2, "the key's claim, then the payment with its stored response"
    assert not seen.compiled, "every statement of a second payment, the upserts too, comes from the cache"
    again = client.post("/api/v1/bills/payments", json=requests[1][0], headers=requests[1][1])
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json()["id"] == paid.get_json()["id"]


def test_a_city_code_scan_without_the_buffer_writes_its_scan_with_the_request(client, auth, resident, app):
    expected = ["the scanner (its token)", "the holder, without their identity"]
    if not app.config.get("REDIS_URL"):
        expected.append("the code's jti claimed (the replay store without Redis)")
    expected.append("the scan, in the holder's scan log")
    assert len(_scan_statements(client, auth, resident)) == len(expected)


@pytest.mark.redis
def test_a_buffered_city_code_scan_is_two_reads_and_no_database_write(client, auth, resident, app):
    saved = {key: app.config.get(key) for key in ("CITYCODE_SCAN_BUFFER", "CITYCODE_SCAN_STREAM")}
    stream = f"test:citycode:stmt:{uuid.uuid4().hex}"
    app.config.update(CITYCODE_SCAN_BUFFER=True, CITYCODE_SCAN_STREAM=stream)
    try:
        seen = _scan_statements(client, auth, resident)
    finally:
        app.config.update(saved)
        get_redis().delete(stream)
    assert len(seen) == 2, "the scanner (its token) and the holder: " + "\n\n".join(seen)


def _scan_statements(client, auth, resident) -> list[str]:
    row, _ = clients.register_client("scanner", "统计闸机", client_id="stmt-gate")
    gate = {"Authorization": f"Bearer {tokens.issue_client_token(row.client_id, row.scopes)}"}
    codes = [client.get("/api/v1/me/citycode", headers=auth(resident)).get_json()["code"] for _ in range(2)]
    body = {"code": codes[0], "purpose": "transit"}
    assert client.post("/api/v1/citycode/verify", json=body, headers=gate).get_json()["valid"]  # warm
    with Statements() as seen:
        scanned = client.post("/api/v1/citycode/verify", json={**body, "code": codes[1]}, headers=gate)
    assert scanned.get_json()["valid"] is True, scanned.get_json()
    return seen.seen


@contextmanager
def _counting_commits(commits: list):
    def count(session):
        if session.get_nested_transaction() is None:
            commits.append(1)

    event.listen(Session, "after_commit", count)
    try:
        yield
    finally:
        event.remove(Session, "after_commit", count)
