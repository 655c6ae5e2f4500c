"""Finding 5: text that is not valid Unicode (a lone surrogate) is refused at the edge with a 422.

Stored once, such a string broke every later response that showed it (``GET /api/v1/bills`` for
every holder of the account, the routing-rule list for every dispatcher).
"""

from __future__ import annotations

import pytest

from tests.bills import helpers as bills
from tests.security.helpers import assert_problem, raw_json

LONE = "\ud800"


@pytest.fixture
def water(db):
    return bills.make_biller()


def test_a_biller_cannot_store_a_line_item_that_breaks_the_holders_bill_list(client, auth, resident, water):
    account = bills.bind(resident, water)
    headers = bills.client_token(client, water.client_id)
    pushed = client.post(
        "/api/v1/biller/bills",
        data=raw_json(
            {
                "bills": [
                    bills.bill_json(
                        "EVIL-1",
                        account.account_number,
                        100,
                        line_items=[{"name": "水费" + LONE, "amount_fen": 100}],
                    )
                ]
            }
        ),
        content_type="application/json",
        headers=headers,
    )
    assert pushed.status_code == 200, pushed.get_json()  # a bulk push answers per bill
    (refused,) = pushed.get_json()["refused"]
    assert refused["errors"] == {"line_items": {"0": {"name": ["必须是有效的 Unicode 文本。"]}}}
    assert pushed.get_json()["accepted"] == []
    listed = client.get("/api/v1/bills", headers=auth(resident))
    assert listed.status_code == 200 and listed.get_json()["items"] == []


def test_a_routing_rule_keyword_that_is_not_text_is_refused_and_the_rule_list_still_answers(
    client, auth, make_person
):
    supervisor = make_person("supervisor", "admin")
    rule = {"name": "噪音", "keywords": ["噪音" + LONE], "department_code": "city-urban-management"}
    created = client.post(
        "/api/v1/staff/routing-rules",
        data=raw_json(rule),
        content_type="application/json",
        headers=auth(supervisor, **{"Accept-Language": "en"}),
    )
    assert assert_problem(created, 422)["errors"]["keywords"]["0"] == ["Must be valid Unicode text."]
    assert client.get("/api/v1/staff/routing-rules", headers=auth(supervisor)).status_code == 200


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("/api/v1/me", "patch", {"display_name": "小明" + LONE}, "display_name"),
        (
            "/api/v1/complaints",
            "post",
            {"category": "0202", "description": "路灯坏了" + LONE, "address": "花果园"},
            "description",
        ),
        (
            "/api/v1/complaints",
            "post",
            {"category": "0202", "description": "路灯坏了很久", "address": "花果园" + LONE},
            "address",
        ),
        (
            "/api/v1/me/real-name",
            "post",
            {"legal_name": "李" + LONE, "national_id": "11010519491231002X"},
            "legal_name",
        ),
        (
            "/api/v1/me/mandates",
            "post",
            {
                "grantee_phone": "13800000009",
                "scopes": ["bills"],
                "expires_at": "2099-01-01T00:00:00+08:00",
                "note": "替我缴费" + LONE,
            },
            "note",
        ),
    ],
)
def test_every_text_field_refuses_a_lone_surrogate(client, auth, demo, resident, path, method, body, field):
    response = getattr(client, method)(
        path, data=raw_json(body), content_type="application/json", headers=auth(resident)
    )
    assert assert_problem(response, 422)["errors"] == {field: ["必须是有效的 Unicode 文本。"]}


def test_a_field_name_that_is_not_text_is_refused_with_a_readable_problem(client, auth, resident):
    response = client.patch(
        "/api/v1/me",
        data=raw_json({"display_name": "小明", "x" + LONE: 1}),
        content_type="application/json",
        headers=auth(resident),
    )
    body = assert_problem(response, 422)
    assert list(body["errors"]) == ["x" + LONE]  # escaped in the document, intact once parsed


def test_a_lone_surrogate_on_a_route_that_moves_money_is_a_422_not_a_500(client, auth, resident):
    response = client.post(
        "/api/v1/bills/payments",
        data=raw_json({"bill_ids": ["账单" + LONE]}),
        content_type="application/json",
        headers=auth(resident, **{"Idempotency-Key": "surrogate-1"}),
    )
    assert assert_problem(response, 422)["errors"]
