"""Statements per request on the hot paths, pinned: a regression fails here, never a timing.

A page of a list costs the same statements whatever its size (no query per item), and ``/me`` —
what every API call's authentication costs, plus the profile — is two statements.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from app.core import clock
from app.core.calendar import SHANGHAI
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


HOME_STATEMENTS = [
    "the caller (person, roles, token revocation)",
    "every domain's cards for me, in one statement",
    "the people whose mandates I hold",
    "the elder's look written to their access log at most hourly: the last look",
    "the elder's cards within the mandate's scopes, in one statement",
    "my service visits (the shortcuts)",
]


def test_the_home_with_a_card_from_every_domain_and_an_elder_is_a_fixed_few_statements(
    client,
    auth,
    everything,  # noqa: F811 - the fixture imported above
):
    headers = auth(everything["resident"])
    client.get("/api/v1/me/home", headers=headers)  # warm: the token's key, the catalogue
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
    assert sum("FROM calendar_days" in statement for statement in seen.seen) == 1
