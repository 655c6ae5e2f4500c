"""Bills are paid once under real concurrency: separate PostgreSQL connections, committed data, threads."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.bills.models import Bill, BillReceipt
from app.extensions import db
from app.identity import services as identity
from app.identity import tokens
from app.payments import sandbox
from app.payments import services as payments
from app.payments.models import PaymentIntent, SandboxCharge
from tests.bills import helpers
from tests.concurrency import Committed

pytestmark = pytest.mark.postgres


class World(Committed):
    """Committed residents, billers and bills, on the shared ``committed`` app."""

    def resident_with_bill(self, fen: int = 6_600):
        """A resident, a biller, a confirmed account and an unpaid bill: (token, bill id, client id)."""

        def make():
            person, _ = identity.get_or_create_person(f"+86136{uuid.uuid4().int % 10**8:08d}", "并发居民")
            suffix = uuid.uuid4().hex[:8]
            biller = helpers.make_biller(f"water-{suffix}", f"water-{suffix}")
            account = helpers.bind(person, biller)
            bill = helpers.push(biller, f"B-{suffix}", account.account_number, fen)
            token = tokens.issue_access_token(person, client_id="concurrency-test", scopes=["openid"])
            return token, bill.id, biller.client_id

        return self.run(make)

    def together(self, count: int, work) -> list:
        """Start ``work(i)`` on ``count`` threads at the same moment; its results, or the errors raised."""
        barrier = threading.Barrier(count)

        def worker(i):
            barrier.wait()
            try:
                return work(i)
            except Exception as error:  # noqa: BLE001 - the test inspects every outcome
                return error

        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(worker, range(count)))

    def bill(self, bill_id) -> SimpleNamespace:
        """The committed bill's state."""

        def read():
            bill = db.session.get(Bill, bill_id)
            return SimpleNamespace(
                status=bill.status,
                paid_via=bill.paid_via,
                payment_id=bill.payment_id,
                bill_no=bill.bill_no,
                account_number=bill.account_number,
            )

        return self.run(read)


@pytest.fixture
def world(committed):
    """The shared committed app, with the bills helpers."""
    return World(app=committed.app)


def _pay(world, token, bill_id, key):
    response = world.app.test_client().post(
        "/api/v1/bills/payments",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        json={"bill_ids": [str(bill_id)]},
    )
    body = response.get_json()
    return response.status_code, body.get("id") or body.get("code")


def test_fifty_concurrent_payments_of_a_bill_with_one_key_make_one_charge(world):
    token, bill_id, _ = world.resident_with_bill()

    results = world.together(50, lambda i: _pay(world, token, bill_id, "one-key"))

    assert {status for status, _ in results} <= {201, 409}
    paid = {body for status, body in results if status == 201}
    assert len(paid) == 1, results
    assert {body for status, body in results if status == 409} <= {"idempotency-key-in-flight"}
    assert world.count(PaymentIntent) == 1
    assert world.count(SandboxCharge) == 1


def test_fifty_concurrent_payments_with_different_keys_let_one_through_and_the_bill_is_paid_once(world):
    token, bill_id, _ = world.resident_with_bill()

    results = world.together(50, lambda i: _pay(world, token, bill_id, f"key-{i}"))

    statuses = Counter(status for status, _ in results)
    assert statuses == Counter({201: 1, 409: 49}), results
    assert {body for status, body in results if status == 409} == {"payment-in-progress"}
    assert world.count(PaymentIntent) == 1

    world.run(sandbox.run)
    assert world.bill(bill_id).status == "paid"
    assert world.count(BillReceipt, BillReceipt.bill_id == bill_id) == 1
    late = world.together(10, lambda i: _pay(world, token, bill_id, f"late-{i}"))
    assert late == [(409, "payment-already-paid")] * 10


def test_a_provider_timeout_stays_pending_until_reconciliation_pays_the_bill_once(world):
    token, bill_id, _ = world.resident_with_bill(fen=6_652)
    status, intent_id = _pay(world, token, bill_id, "timeout")
    assert status == 201
    world.run(sandbox.run)
    assert world.bill(bill_id).status == "unpaid"
    assert world.run(lambda: db.session.get(PaymentIntent, uuid.UUID(intent_id)).status) == "pending"

    results = world.together(
        4, lambda i: world.run(lambda: payments.reconcile_pending(older_than=timedelta(0)))
    )

    assert not [result for result in results if isinstance(result, Exception)], results
    assert sum(result.get("succeeded", 0) for result in results) == 1
    bill = world.bill(bill_id)
    assert (bill.status, str(bill.payment_id)) == ("paid", intent_id)
    assert world.count(BillReceipt, BillReceipt.bill_id == bill_id) == 1


def test_a_bill_is_never_both_paid_elsewhere_and_paid_here(world):
    token, bill_id, client_id = world.resident_with_bill()
    biller_token = world.run(lambda: helpers.client_token(world.app.test_client(), client_id))
    bill_no = world.bill(bill_id).bill_no

    def race(i):
        if i == 0:
            response = world.app.test_client().post(
                f"/api/v1/biller/bills/{bill_no}/paid-elsewhere", headers=biller_token, json={}
            )
            return "elsewhere", response.status_code
        return "here", _pay(world, token, bill_id, f"race-{i}")[0]

    results = world.together(20, race)

    elsewhere = next(status for who, status in results if who == "elsewhere")
    paid_here = [status for who, status in results if who == "here" and status == 201]
    bill = world.bill(bill_id)
    if elsewhere == 200:
        assert paid_here == [] and bill.paid_via == "elsewhere"
        assert world.count(PaymentIntent) == 0
    else:
        assert elsewhere == 409 and len(paid_here) == 1 and bill.status == "unpaid"


def test_the_same_bill_pushed_at_once_by_many_requests_is_stored_once(world):
    token, bill_id, client_id = world.resident_with_bill()
    biller_token = world.run(lambda: helpers.client_token(world.app.test_client(), client_id))
    number = world.bill(bill_id).account_number
    body = {"bills": [helpers.bill_json("SAME-1", number, 1_234)]}

    def push(i):
        response = world.app.test_client().post("/api/v1/biller/bills", headers=biller_token, json=body)
        return response.status_code, [a["result"] for a in response.get_json()["accepted"]]

    results = world.together(10, push)

    assert {status for status, _ in results} == {200}
    assert Counter(result for _, accepted in results for result in accepted) == Counter(
        {"created": 1, "unchanged": 9}
    )
    assert world.count(Bill, Bill.bill_no == "SAME-1") == 1
