"""Binding accounts (户号): checked against the biller's declared fields, confirmed by the biller."""

from __future__ import annotations

from app.bills.models import UtilityAccount
from tests.bills import helpers


def _bind(client, headers, biller, number, **extra):
    body = {
        "biller_id": str(biller.id),
        "fields": {"account_number": number},
        "holder_name": "李小明",
        **extra,
    }
    return client.post("/api/v1/bills/accounts", headers=headers, json=body)


def test_the_sandbox_biller_confirms_even_numbers_and_refuses_others_with_a_reason(
    client, auth, resident, water, db
):
    confirmed = _bind(client, auth(resident), water, "5201000012", alias="家里")
    assert confirmed.status_code == 201
    body = confirmed.get_json()
    assert (body["status"], body["alias"], body["biller"]["code"]) == ("confirmed", "家里", "test-water")

    mismatch = _bind(client, auth(resident), water, "5201000013")
    assert mismatch.status_code == 422
    assert mismatch.get_json()["code"] == "account-not-confirmed"
    assert mismatch.get_json()["reason_code"] == "holder_mismatch"
    assert "户名" in mismatch.get_json()["detail"] or "姓名" in mismatch.get_json()["detail"]

    closed = _bind(client, auth(resident, **{"Accept-Language": "en"}), water, "5201010000")
    assert closed.get_json()["reason_code"] == "account_closed"
    assert closed.get_json()["detail"] == "The biller says this account has been closed."

    numbers = [
        a["account_number"] for a in client.get("/api/v1/bills/accounts", headers=auth(resident)).get_json()
    ]
    assert numbers == ["5201000012"]
    assert db.session.scalar(db.select(db.func.count()).select_from(UtilityAccount)) == 1


def test_fields_are_checked_against_what_the_biller_declares(client, auth, resident, water):
    bad = _bind(client, auth(resident), water, "52010")
    assert bad.status_code == 422
    assert "5201000012" in bad.get_json()["errors"]["fields"]["account_number"][0]

    unknown = client.post(
        "/api/v1/bills/accounts",
        headers=auth(resident),
        json={
            "biller_id": str(water.id),
            "fields": {"account_number": "5201000012", "pin": "1"},
            "holder_name": "李",
        },
    )
    assert unknown.status_code == 422 and "pin" in unknown.get_json()["errors"]["fields"]

    missing = client.post(
        "/api/v1/bills/accounts",
        headers=auth(resident),
        json={"biller_id": str(water.id), "fields": {"meter_no": "GY123456"}, "holder_name": "李"},
    )
    assert "account_number" in missing.get_json()["errors"]["fields"]

    with_meter = client.post(
        "/api/v1/bills/accounts",
        headers=auth(resident),
        json={
            "biller_id": str(water.id),
            "fields": {"account_number": "5201000012", "meter_no": "GY123456"},
            "holder_name": "李小明",
        },
    )
    assert with_meter.status_code == 201 and with_meter.get_json()["fields"] == {"meter_no": "GY123456"}

    unknown_biller = _bind(client, auth(resident), helpers.make_biller("x", "x-client"), "5201000012")
    assert unknown_biller.status_code == 201
    gone = client.post(
        "/api/v1/bills/accounts",
        headers=auth(resident),
        json={"biller_id": str(resident.id), "fields": {"account_number": "5201000012"}, "holder_name": "李"},
    )
    assert gone.status_code == 422 and "biller_id" in gone.get_json()["errors"]


def test_an_account_is_bound_once_per_resident_but_a_household_may_share_it(
    client, auth, resident, other_resident, water
):
    assert _bind(client, auth(resident), water, "5201000012").status_code == 201
    again = _bind(client, auth(resident), water, "5201000012")
    assert again.status_code == 409 and again.get_json()["code"] == "account-already-bound"
    assert _bind(client, auth(other_resident), water, "5201000012").status_code == 201


def test_unbinding_hides_the_accounts_bills_and_stops_its_autopay(client, auth, resident, water, account):
    bill = helpers.push(water, "W-1", account.account_number)
    client.put(
        f"/api/v1/bills/accounts/{account.id}/autopay",
        headers=auth(resident),
        json={"limit": {"amount_fen": 10_000}},
    )

    assert client.delete(f"/api/v1/bills/accounts/{account.id}", headers=auth(resident)).status_code == 204

    assert client.get(f"/api/v1/bills/{bill.id}", headers=auth(resident)).status_code == 404
    assert client.get("/api/v1/bills/accounts", headers=auth(resident)).get_json() == []


def test_a_biller_confirming_by_api_answers_later_and_the_resident_sees_the_answer(client, auth, resident):
    gas = helpers.make_biller("test-gas", "test-gas-biller", category="gas", confirms_by="api")
    gas_headers = helpers.client_token(client, gas.client_id)
    first = _bind(client, auth(resident), gas, "5201000013").get_json()
    second = _bind(client, auth(resident), gas, "5201000023").get_json()
    assert first["status"] == second["status"] == "pending"

    waiting = client.get("/api/v1/biller/account-bindings", headers=gas_headers).get_json()
    assert [(b["account_number"], b["holder_name"]) for b in waiting["items"]] == [
        ("5201000013", "李小明"),
        ("5201000023", "李小明"),
    ]
    ok = client.post(
        f"/api/v1/biller/account-bindings/{first['id']}/decision",
        headers=gas_headers,
        json={"confirmed": True},
    )
    assert ok.status_code == 200 and ok.get_json()["status"] == "confirmed"
    refused = client.post(
        f"/api/v1/biller/account-bindings/{second['id']}/decision",
        headers=gas_headers,
        json={"confirmed": False, "reason": "户名与登记不符"},
    )
    assert refused.get_json()["status"] == "refused"
    twice = client.post(
        f"/api/v1/biller/account-bindings/{second['id']}/decision",
        headers=gas_headers,
        json={"confirmed": True},
    )
    assert twice.status_code == 409 and twice.get_json()["code"] == "account-already-decided"

    mine = {
        a["account_number"]: a
        for a in client.get("/api/v1/bills/accounts", headers=auth(resident)).get_json()
    }
    assert mine["5201000013"]["status"] == "confirmed"
    assert (mine["5201000023"]["status"], mine["5201000023"]["refusal_reason"]) == (
        "refused",
        "户名与登记不符",
    )

    retried = _bind(client, auth(resident), gas, "5201000023")
    assert retried.status_code == 201 and retried.get_json()["status"] == "pending"
    log = client.get("/api/v1/me/access-log", headers=auth(resident)).get_json()["items"]
    assert {(e["client_id"], e["resource"]) for e in log} == {("test-gas-biller", "utility_account")}


def test_a_pending_account_gets_no_bills_and_cannot_be_fetched(client, auth, resident):
    gas = helpers.make_biller("test-gas", "test-gas-biller", category="gas", confirms_by="api")
    pending = _bind(client, auth(resident), gas, "5201000012").get_json()
    pushed = client.post(
        "/api/v1/biller/bills",
        headers=helpers.client_token(client, gas.client_id),
        json={"bills": [helpers.bill_json("G-1", "5201000012")]},
    ).get_json()
    assert pushed["refused"][0]["code"] == "account-not-bound"
    fetched = client.post(f"/api/v1/bills/accounts/{pending['id']}/fetch", headers=auth(resident))
    assert fetched.status_code == 409 and fetched.get_json()["code"] == "account-not-ready"


def test_fetching_asks_the_sandbox_biller_for_this_months_bill_once(client, auth, resident, account):
    first = client.post(f"/api/v1/bills/accounts/{account.id}/fetch", headers=auth(resident))
    assert first.status_code == 200
    bills = first.get_json()
    assert len(bills) == 1 and bills[0]["bill_no"].startswith(f"SBX-{account.account_number}-")
    assert bills[0]["amount"]["amount_fen"] % 100 not in (51, 52, 53)
    again = client.post(f"/api/v1/bills/accounts/{account.id}/fetch", headers=auth(resident)).get_json()
    assert again == bills
    listed = client.get(f"/api/v1/bills?account_id={account.id}", headers=auth(resident)).get_json()["items"]
    assert [bill["id"] for bill in listed] == [bills[0]["id"]]


def test_a_biller_without_fetching_says_so(client, auth, resident):
    power = helpers.make_biller(
        "test-power", "test-power-biller", category="electricity", supports_fetch=False
    )
    account = helpers.bind(resident, power)
    refused = client.post(f"/api/v1/bills/accounts/{account.id}/fetch", headers=auth(resident))
    assert refused.status_code == 422 and "account_id" in refused.get_json()["errors"]


def test_a_biller_answers_through_its_adapter_and_never_by_a_sandbox_rule_in_production(app, water):
    from unittest import mock

    from app.bills.providers import ApiBiller, adapter_for
    from app.bills.sandbox import SandboxBiller

    assert isinstance(adapter_for(water), SandboxBiller)
    with mock.patch.dict(app.config, {"SANDBOX_PROVIDERS": False}):
        assert isinstance(adapter_for(water), ApiBiller)
        assert adapter_for(water).check_holder(water, "5201000012", "李小明", []) is None


def test_a_resident_binds_a_bounded_number_of_accounts(db, resident, water):
    from unittest import mock

    import pytest

    from app.bills.services import accounts as accounts_service
    from app.core.errors import ValidationFailed

    with mock.patch.object(accounts_service, "MAX_ACCOUNTS", 2):
        helpers.bind(resident, water, "5201000012")
        helpers.bind(resident, water, "5201000014")
        with pytest.raises(ValidationFailed) as refused:
            helpers.bind(resident, water, "5201000016")
    assert "account_number" in refused.value.extra["errors"]
