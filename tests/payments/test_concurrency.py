"""Money moves once under real concurrency: separate PostgreSQL connections, committed data, many threads."""

from __future__ import annotations

from collections import Counter

import pytest

from app.core import idempotency
from app.core.actors import Actor
from app.core.models import utcnow
from app.core.money import Money
from app.extensions import db as _db
from app.payments import sandbox, services
from app.payments.errors import AlreadyPaid, PaymentInProgress
from app.payments.models import (
    LedgerJournal,
    PaymentClaim,
    PaymentIntent,
    PaymentRefund,
    SandboxCharge,
)
from tests.payments.helpers import MERCHANT, pay, person_actor, run_sandbox

pytestmark = pytest.mark.postgres


def _errors(results) -> Counter:
    return Counter(type(result).__name__ for result in results if isinstance(result, Exception))


def test_fifty_concurrent_payments_with_one_key_make_one_intent_and_one_charge(committed, heard):
    payer = committed.person()
    asked = {"refs": ["bill-2026-10"], "fen": 3_000}

    def pay_once(_i):
        def work():
            return {"intent_id": str(pay(payer, 3_000, refs=["bill-2026-10"], commit=False).id)}

        return idempotency.run_once(person_actor(payer), "pay-once", asked, work)["intent_id"]

    results = committed.concurrently(50, pay_once)

    assert set(_errors(results)) <= {"IdempotencyKeyInFlight"}
    assert len({r for r in results if not isinstance(r, Exception)}) == 1
    assert committed.run(lambda: pay_once(0)) == next(r for r in results if not isinstance(r, Exception))
    assert committed.count(PaymentIntent, PaymentIntent.payer_id == payer.id) == 1
    assert committed.count(SandboxCharge) == 1
    assert committed.count(PaymentClaim) == 1


def test_fifty_concurrent_payments_with_different_keys_let_one_through(committed, heard):
    payer = committed.person()

    results = committed.concurrently(
        50, lambda i: pay(payer, 3_000, refs=["bill-2026-11"], key=f"key-{i}", commit=False).id
    )

    winners = [result for result in results if not isinstance(result, Exception)]
    assert len(winners) == 1
    assert _errors(results) == Counter({"PaymentInProgress": 49})
    assert committed.count(PaymentIntent) == 1 and committed.count(SandboxCharge) == 1

    committed.run(run_sandbox)
    late = committed.concurrently(
        10, lambda i: pay(payer, 3_000, refs=["bill-2026-11"], key=f"late-{i}", commit=False)
    )
    assert all(isinstance(result, AlreadyPaid) for result in late)
    assert not isinstance(late[0], PaymentInProgress)


def _captured_intent(committed, payer, outcome=None):
    intent_id = committed.run(lambda: pay(payer, 5_000, outcome=outcome, commit=False).id)

    def capture():
        charge = sandbox.charge_for_intent(intent_id)
        charge.state, charge.resolved_at = "captured", utcnow()
        return charge.id

    charge_id = committed.run(capture)
    return intent_id, charge_id


def _callback(charge_id, event_id=None):
    return sandbox.signed_callback(_db.session.get(SandboxCharge, charge_id), event_id=event_id)


def _post_callback(app, callback):
    response = app.test_client().post(sandbox.CALLBACK_PATH, data=callback.body, headers=callback.headers)
    return response.status_code, response.get_json()


def test_the_same_callback_delivered_concurrently_settles_once(app, committed, heard):
    payer = committed.person()
    intent_id, charge_id = _captured_intent(committed, payer)
    callback = committed.run(lambda: _callback(charge_id))

    results = committed.concurrently(10, lambda i: _post_callback(app, callback))

    statuses = Counter(status for status, _ in results)
    assert statuses == Counter({200: 1, 409: 9})
    assert committed.count(LedgerJournal, LedgerJournal.intent_id == intent_id) == 1
    assert [outcome.status for outcome in heard.outcomes_for(intent_id)] == ["succeeded"]


def test_duplicate_callbacks_with_fresh_event_ids_settle_once(app, committed, heard):
    payer = committed.person()
    intent_id, charge_id = _captured_intent(committed, payer)
    callbacks = committed.run(lambda: [_callback(charge_id) for _ in range(10)])

    results = committed.concurrently(10, lambda i: _post_callback(app, callbacks[i]))

    assert Counter(body["result"] for _, body in results) == Counter({"settled": 1, "already-settled": 9})
    assert committed.count(LedgerJournal, LedgerJournal.intent_id == intent_id) == 1
    assert len(heard.outcomes_for(intent_id)) == 1


def test_reconciliation_racing_a_late_callback_settles_once(app, committed, heard):
    payer = committed.person()
    intent_id, charge_id = _captured_intent(committed, payer, outcome="timeout")
    callback = committed.run(lambda: _callback(charge_id))
    far_later = utcnow().replace(year=utcnow().year + 1)

    def race(i):
        if i % 2:
            return _post_callback(app, callback)[0]
        return services.reconcile_intent(intent_id, far_later)

    results = committed.concurrently(2, race)

    assert _errors(results) == Counter()
    assert committed.count(LedgerJournal, LedgerJournal.intent_id == intent_id) == 1
    assert [outcome.status for outcome in heard.outcomes_for(intent_id)] == ["succeeded"]


def test_concurrent_refunds_never_give_back_more_than_was_paid(committed, heard):
    payer = committed.person()
    intent_id = committed.run(lambda: pay(payer, 1_000, commit=False).id)
    committed.run(run_sandbox)

    results = committed.concurrently(
        20, lambda i: services.refund(Actor.system(), intent_id, Money(300), "退款", f"refund-{i}").id
    )

    assert _errors(results) == Counter({"RefundExceedsPayment": 17})
    refunded = committed.run(lambda: _db.session.get(PaymentIntent, intent_id).refunded_fen)
    assert refunded == 900
    assert committed.count(PaymentRefund) == 3
    assert committed.count(LedgerJournal, LedgerJournal.kind == "refund") == 3


def test_concurrent_refund_requests_with_one_key_refund_once(app, committed, heard, machine_auth):
    payer = committed.person()
    intent_id = committed.run(lambda: pay(payer, 1_000, commit=False).id)
    committed.run(run_sandbox)
    headers = machine_auth(MERCHANT.id, "payments:refund", **{"Idempotency-Key": "one-refund"})
    body = {"amount": {"amount_fen": 600}, "reason": "重复点击"}

    def request(i):
        response = app.test_client().post(f"/api/v1/payments/{intent_id}/refunds", headers=headers, json=body)
        return response.status_code, response.get_data()

    results = committed.concurrently(20, request)

    created = {data for status, data in results if status == 201}
    assert len(created) == 1  # the first response, replayed byte for byte
    assert {status for status, _ in results} <= {201, 409}
    assert committed.count(PaymentRefund) == 1
    assert committed.count(LedgerJournal, LedgerJournal.kind == "refund") == 1
