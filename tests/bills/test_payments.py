"""Paying bills: one intent for several bills of one biller, settled once, failures, timeouts and refunds."""

from __future__ import annotations

from datetime import timedelta

from app.bills import services
from app.core.actors import Actor
from app.core.models import utcnow
from app.core.money import Money
from app.payments import services as payments
from tests.bills import helpers

PAY = "/api/v1/bills/payments"


def _pay(client, headers, key, *bills):
    return client.post(
        PAY, headers={**headers, "Idempotency-Key": key}, json={"bill_ids": [str(b.id) for b in bills]}
    )


def test_several_bills_of_one_biller_are_paid_in_one_payment(client, auth, resident, water, account):
    march = helpers.push(water, "W-03", account.account_number, 3_000)
    april = helpers.push(water, "W-04", account.account_number, 4_000)
    paid = _pay(client, auth(resident), "k1", march, april)
    assert paid.status_code == 201
    payment = paid.get_json()
    assert payment["amount"]["amount_fen"] == 7_000
    assert sorted(payment["purpose"]["ids"]) == sorted([str(march.id), str(april.id)])
    helpers.settle()
    receipts = [
        client.get(f"/api/v1/bills/{b.id}/receipt", headers=auth(resident)).get_json() for b in (march, april)
    ]
    assert [r["amount"]["amount_fen"] for r in receipts] == [3_000, 4_000]
    assert {r["payment_id"] for r in receipts} == {payment["id"]}
    assert receipts[0]["verification_code"] != receipts[1]["verification_code"]


def test_bills_of_several_billers_are_refused_and_nobody_elses_bill_can_be_paid(
    client, auth, resident, other_resident, water, account
):
    power = helpers.make_biller("test-power", "test-power-biller", category="electricity")
    water_bill = helpers.push(water, "W-1", account.account_number)
    power_bill = helpers.push(power, "P-1", helpers.bind(resident, power).account_number)
    mixed = _pay(client, auth(resident), "k1", water_bill, power_bill)
    assert mixed.status_code == 422 and "bill_ids" in mixed.get_json()["errors"]

    theirs = _pay(client, auth(other_resident), "k2", water_bill)
    assert theirs.status_code == 404
    assert payments.active_intent_for("bills", str(water_bill.id)) is None

    too_many = client.post(
        PAY, headers=auth(resident, **{"Idempotency-Key": "k3"}), json={"bill_ids": [str(water_bill.id)] * 21}
    )
    assert too_many.status_code == 422
    no_key = client.post(PAY, headers=auth(resident), json={"bill_ids": [str(water_bill.id)]})
    assert no_key.status_code == 400 and no_key.get_json()["code"] == "idempotency-key-missing"


def test_the_same_key_with_other_bills_is_refused(client, auth, resident, water, account):
    first = helpers.push(water, "W-1", account.account_number)
    second = helpers.push(water, "W-2", account.account_number)
    assert _pay(client, auth(resident), "same", first).status_code == 201
    reused = _pay(client, auth(resident), "same", second)
    assert reused.status_code == 422 and reused.get_json()["code"] == "idempotency-key-reused"


def test_a_declined_payment_leaves_the_bill_unpaid_to_be_paid_again(client, auth, resident, water, account):
    bill = helpers.push(water, "W-1", account.account_number, 8_851)
    declined = _pay(client, auth(resident), "k1", bill).get_json()
    helpers.settle()
    assert (
        client.get(f"/api/v1/payments/{declined['id']}", headers=auth(resident)).get_json()["status"]
        == "failed"
    )
    shown = client.get(f"/api/v1/bills/{bill.id}", headers=auth(resident)).get_json()
    assert (shown["status"], shown["payment"]) == ("unpaid", None)
    again = _pay(client, auth(resident), "k2", bill)
    assert again.status_code == 201 and again.get_json()["id"] != declined["id"]


def test_a_cancelled_payment_frees_the_bill(client, auth, resident, water, account):
    bill = helpers.push(water, "W-1", account.account_number)
    payment = _pay(client, auth(resident), "k1", bill).get_json()
    assert client.post(f"/api/v1/payments/{payment['id']}/cancel", headers=auth(resident)).status_code == 200
    assert client.get(f"/api/v1/bills/{bill.id}", headers=auth(resident)).get_json()["payment"] is None
    assert _pay(client, auth(resident), "k2", bill).status_code == 201


def test_a_lost_callback_leaves_the_payment_pending_until_reconciliation_pays_the_bill(
    app, client, auth, resident, water, account
):
    bill = helpers.push(water, "W-1", account.account_number, 8_852)
    payment = _pay(client, auth(resident), "k1", bill).get_json()
    helpers.settle()
    shown = client.get(f"/api/v1/bills/{bill.id}", headers=auth(resident)).get_json()
    assert (shown["status"], shown["payment"]["status"]) == ("unpaid", "pending")

    result = app.test_cli_runner().invoke(args=["payments", "reconcile", "--older-than", "0"])
    assert result.exit_code == 0 and "succeeded=1" in result.output

    shown = client.get(f"/api/v1/bills/{bill.id}", headers=auth(resident)).get_json()
    assert (shown["status"], shown["payment_id"]) == ("paid", payment["id"])
    assert client.get(f"/api/v1/bills/{bill.id}/receipt", headers=auth(resident)).status_code == 200


def test_an_abandoned_payment_expires_and_the_bill_stays_unpaid(app, client, auth, resident, water, account):
    bill = helpers.push(water, "W-1", account.account_number, 8_853)
    _pay(client, auth(resident), "k1", bill)
    helpers.settle()
    later = utcnow() + timedelta(hours=1)
    assert payments.reconcile_pending(later, older_than=timedelta(0)) == {"expired": 1}
    assert client.get(f"/api/v1/bills/{bill.id}", headers=auth(resident)).get_json()["status"] == "unpaid"


def test_refunds_show_on_the_receipt_and_a_full_refund_reopens_the_bill(
    client, auth, resident, water, account
):
    bill = helpers.paid_bill(resident, water, "W-1", 10_000)
    receipt = client.get(f"/api/v1/bills/{bill.id}/receipt", headers=auth(resident)).get_json()
    verify = f"/api/v1/bills/receipts/verify?code={receipt['verification_code']}"

    payments.refund(Actor.system(), bill.payment_id, Money(3_000), "多收水费", "r1")
    checked = client.get(verify).get_json()
    assert (checked["status"], checked["refunded"]["amount_fen"]) == ("partly_refunded", 3_000)

    payments.refund(Actor.system(), bill.payment_id, Money(7_000), "重复缴费", "r2")
    assert client.get(verify).get_json()["status"] == "voided"
    shown = client.get(f"/api/v1/bills/{bill.id}", headers=auth(resident)).get_json()
    assert (shown["status"], shown["payment_id"]) == ("unpaid", None)
    assert client.get(f"/api/v1/bills/{bill.id}/receipt", headers=auth(resident)).status_code == 404


def test_bills_are_listed_by_status_and_overdue_ones_are_marked(client, auth, resident, water, account):
    today = services.business_date()
    late = helpers.push(water, "W-LATE", account.account_number, due=today - timedelta(days=1))
    helpers.push(water, "W-SOON", account.account_number, due=today + timedelta(days=5))
    helpers.paid_bill(resident, water, "W-PAID")

    def listed(status):
        page = client.get(f"/api/v1/bills?status={status}", headers=auth(resident)).get_json()
        return sorted(b["bill_no"] for b in page["items"])

    assert listed("unpaid") == ["W-LATE", "W-SOON"]
    assert listed("overdue") == ["W-LATE"]
    assert listed("paid") == ["W-PAID"]
    assert client.get(f"/api/v1/bills/{late.id}", headers=auth(resident)).get_json()["overdue"] is True
    page = client.get("/api/v1/bills?limit=2", headers=auth(resident)).get_json()
    rest = client.get(
        f"/api/v1/bills?limit=2&cursor={page['next_cursor']}", headers=auth(resident)
    ).get_json()
    assert len(page["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert client.get("/api/v1/bills?status=late", headers=auth(resident)).status_code == 422


def test_a_payment_is_described_in_the_readers_language(client, auth, resident, water, account):
    bill = helpers.push(water, "W-09", account.account_number, 3_000)
    paid = _pay(client, auth(resident, **{"Accept-Language": "en"}), "k-en", bill).get_json()
    assert paid["purpose"]["description"] == f"Test Water Group {bill.period}"
    for language, name in (("zh-CN", "测试水务集团"), ("zh-TW", "測試水務集團"), ("en", "Test Water Group")):
        shown = client.get(
            f"/api/v1/payments/{paid['id']}", headers=auth(resident, **{"Accept-Language": language})
        )
        assert shown.status_code == 200
        assert shown.get_json()["purpose"]["description"] == f"{name} {bill.period}"
