"""Finding 12: under the sandbox biller's rule a stranger cannot bind a household's account (and its bills).

The demo's 李小明 holds water account 5201034562 (户名 李小明), confirmed by the sandbox biller. The
sandbox still confirms even account numbers at once, but now also compares the holder's name with
the name on its file, as a real biller would.
"""

from __future__ import annotations

import pytest

from tests.security.helpers import assert_problem

ACCOUNT = "5201034562"


@pytest.fixture
def water_biller_id(client, auth, demo, resident):
    billers = client.get("/api/v1/bills/billers", headers=auth(resident)).get_json()
    return next(
        b["id"]
        for b in (billers["items"] if isinstance(billers, dict) else billers)
        if b["code"] == "gy-water"
    )


def _bind(client, auth, person, biller_id, holder):
    return client.post(
        "/api/v1/bills/accounts",
        json={"biller_id": biller_id, "fields": {"account_number": ACCOUNT}, "holder_name": holder},
        headers=auth(person),
    )


def test_a_stranger_binding_the_account_under_another_name_is_refused_and_sees_no_bills(
    client, auth, resident, water_biller_id
):
    refused = _bind(client, auth, resident, water_biller_id, "王五")
    assert assert_problem(refused, 422)["reason_code"] == "holder_mismatch"
    assert client.get("/api/v1/bills", headers=auth(resident)).get_json()["items"] == []
    assert client.get("/api/v1/bills/accounts", headers=auth(resident)).get_json() == []


def test_the_comparison_ignores_spaces_and_letter_case_only(client, auth, make_person, water_biller_id):
    household = make_person(name="李小明的家人")
    bound = _bind(client, auth, household, water_biller_id, " 李 小明 ")
    assert bound.status_code == 201, bound.get_json()
    bills = client.get("/api/v1/bills", headers=auth(household)).get_json()["items"]
    assert bills, "a member of the household sees the account's bills"
