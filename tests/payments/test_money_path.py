"""The whole money path as users see it: pay, settle through the signed callback, refund, settle the day."""

from __future__ import annotations

import csv
import io

from app.core import idempotency
from app.core.calendar import SHANGHAI
from app.core.models import utcnow
from app.payments import ledger
from app.payments.models import LedgerJournal, PaymentIntent
from tests.payments.helpers import MERCHANT, pay

PROBLEM = "application/problem+json"


def _settle_cli(app):
    result = app.test_cli_runner().invoke(args=["payments", "sandbox-settle"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_payment_settles_through_the_signed_callback_and_is_refunded_by_the_payee(
    app, client, db, resident, auth, machine_auth, heard, make_person
):
    intent = pay(resident, 12_345)

    mine = client.get("/api/v1/payments", headers=auth(resident)).get_json()
    assert [item["id"] for item in mine["items"]] == [str(intent.id)]
    shown = mine["items"][0]
    assert shown["status"] == "pending"
    assert shown["amount"] == {"amount_fen": 12_345, "currency": "CNY"}
    assert shown["payee"] == {"kind": "merchant", "id": MERCHANT.id}
    assert shown["client_action"]["type"] == "sandbox"

    output = _settle_cli(app)
    assert "1 captured" in output and "1 callbacks delivered" in output

    paid = client.get(f"/api/v1/payments/{intent.id}", headers=auth(resident)).get_json()
    assert paid["status"] == "succeeded" and paid["settled_at"]
    assert [o.status for o in heard.outcomes_for(intent.id)] == ["succeeded"]
    journal = db.session.scalar(db.select(LedgerJournal).where(LedgerJournal.intent_id == intent.id))
    assert journal.kind == "payment" and journal.amount_fen == 12_345
    assert {(e.account, e.debit_fen, e.credit_fen) for e in journal.entries} == {
        ("provider_clearing:sandbox", 12_345, 0),
        (f"payee_payable:merchant:{MERCHANT.id}", 0, 12_345),
    }

    payee = machine_auth(MERCHANT.id, "payments:refund", **{"Idempotency-Key": "refund-1"})
    body = {"amount": {"amount_fen": 2_345, "currency": "CNY"}, "reason": "缺货退款"}
    first = client.post(f"/api/v1/payments/{intent.id}/refunds", headers=payee, json=body)
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.get_json()["amount"] == {"amount_fen": 2_345, "currency": "CNY"}

    again = client.post(f"/api/v1/payments/{intent.id}/refunds", headers=payee, json=body)
    assert again.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"

    after = client.get(f"/api/v1/payments/{intent.id}", headers=auth(resident)).get_json()
    assert after["refunded"] == {"amount_fen": 2_345, "currency": "CNY"}
    assert [r["reason"] for r in after["refunds"]] == ["缺货退款"]
    assert len(heard.refunded) == 1 and not heard.refunded[0].fully_refunded

    admin = make_person("admin")
    today = utcnow().astimezone(SHANGHAI).date().isoformat()
    query = f"payee_kind=merchant&payee_id={MERCHANT.id}&date={today}"
    report = client.get(f"/api/v1/payments/settlements?{query}", headers=auth(admin)).get_json()
    assert report["paid"]["amount_fen"] == 12_345
    assert report["refunded"]["amount_fen"] == 2_345
    assert report["net"]["amount_fen"] == 10_000
    assert (report["payments_count"], report["refunds_count"]) == (1, 1)
    assert ledger.unbalanced_journal_ids() == []

    exported = client.get(f"/api/v1/payments/settlements?{query}", headers=auth(admin, Accept="text/csv"))
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    details = rows[1 : rows.index([])]
    assert [(row[3], row[5], row[8]) for row in details] == [
        ("payment", str(intent.id), "12345"),
        ("refund", str(intent.id), "-2345"),
    ]
    assert rows[-1][-5:] == ["1", "12345", "1", "2345", "10000"]


def test_a_refund_request_must_carry_a_key_an_integer_amount_and_stay_within_the_payment(
    app, client, db, resident, machine_auth, heard
):
    intent = pay(resident, 5_000)
    _settle_cli(app)
    url = f"/api/v1/payments/{intent.id}/refunds"
    body = {"amount": {"amount_fen": 1_000}, "reason": "部分退款"}

    missing = client.post(url, headers=machine_auth(MERCHANT.id, "payments:refund"), json=body)
    assert missing.status_code == 400 and missing.get_json()["code"] == "idempotency-key-missing"

    def payee(key):
        return machine_auth(MERCHANT.id, "payments:refund", **{"Idempotency-Key": key})

    for amount in (10.5, 1000.0, "1000", True):
        floated = client.post(
            url, headers=payee(f"float-{amount}"), json={**body, "amount": {"amount_fen": amount}}
        )
        assert floated.status_code == 422 and "amount" in floated.get_json()["errors"]

    assert client.post(url, headers=payee("k1"), json=body).status_code == 201
    reused = client.post(url, headers=payee("k1"), json={**body, "reason": "另一个原因"})
    assert reused.status_code == 422 and reused.get_json()["code"] == "idempotency-key-reused"

    too_much = client.post(url, headers=payee("k2"), json={**body, "amount": {"amount_fen": 4_001}})
    assert too_much.status_code == 409 and too_much.get_json()["code"] == "refund-exceeds-payment"
    # A refused request gives its key back: fixed, it goes through.
    rest = client.post(url, headers=payee("k2"), json={**body, "amount": {"amount_fen": 4_000}})
    assert rest.status_code == 201
    assert db.session.get(PaymentIntent, intent.id).refunded_fen == 5_000
    assert heard.refunded[-1].fully_refunded


def test_only_the_payee_or_finance_staff_refund(
    app, client, resident, auth, machine_auth, make_person, heard
):
    intent = pay(resident, 3_000)
    _settle_cli(app)
    url = f"/api/v1/payments/{intent.id}/refunds"
    body = {"amount": {"amount_fen": 100}, "reason": "退款"}

    def key(n):
        return {"Idempotency-Key": f"who-{n}"}

    as_payer = client.post(url, headers=auth(resident, **key(1)), json=body)
    assert as_payer.status_code == 404 and as_payer.mimetype == PROBLEM
    other_payee = client.post(
        url, headers=machine_auth("merchant-other", "payments:refund", **key(2)), json=body
    )
    assert other_payee.status_code == 404
    no_scope = client.post(url, headers=machine_auth(MERCHANT.id, "payments:read", **key(3)), json=body)
    assert no_scope.status_code == 403
    admin = client.post(url, headers=auth(make_person("admin"), **key(4)), json=body)
    assert admin.status_code == 201


def test_a_fully_refunded_purpose_can_be_paid_again(app, client, db, resident, machine_auth, heard):
    first = pay(resident, 800, refs=["order-42"])
    _settle_cli(app)
    headers = machine_auth(MERCHANT.id, "payments:refund", **{"Idempotency-Key": "all"})
    body = {"amount": {"amount_fen": 800}, "reason": "取消订单"}
    assert client.post(f"/api/v1/payments/{first.id}/refunds", headers=headers, json=body).status_code == 201

    second = pay(resident, 800, refs=["order-42"])
    assert second.id != first.id and second.status == "pending"


def test_a_retry_while_the_first_request_is_still_running_gets_409(
    app, client, db, resident, machine_auth, heard
):

    intent = pay(resident, 900)
    _settle_cli(app)
    url = f"/api/v1/payments/{intent.id}/refunds"
    body = b'{"amount": {"amount_fen": 100}, "reason": "retry"}'
    idempotency.begin(
        f"client:{MERCHANT.id}",
        "busy-key",
        idempotency.fingerprint("POST", url, body),
        method="POST",
        path=url,
    )

    headers = machine_auth(MERCHANT.id, "payments:refund", **{"Idempotency-Key": "busy-key"})
    response = client.post(url, headers={**headers, "Content-Type": "application/json"}, data=body)

    assert response.status_code == 409 and response.get_json()["code"] == "idempotency-key-in-flight"
    assert db.session.get(PaymentIntent, intent.id).refunded_fen == 0
