"""The billers' API: bulk pushes item by item, idempotent by bill number; paid elsewhere; withdrawn."""

from __future__ import annotations

from datetime import timedelta

from app.bills import services
from app.bills.models import Bill
from tests.bills import helpers
from tests.bills.helpers import bill_json

PUSH = "/api/v1/biller/bills"


def _push(client, headers, *bills):
    response = client.post(PUSH, headers=headers, json={"bills": list(bills)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_each_item_of_a_push_is_accepted_or_refused_on_its_own(client, db, biller_headers, account):
    number = account.account_number
    result = _push(
        client,
        biller_headers,
        bill_json("B-1", number, 3_000, line_items=[{"name": "水费", "amount_fen": 3_000}]),
        bill_json("B-2", number, 3_000, line_items=[{"name": "水费", "amount_fen": 2_999}]),
        bill_json("B-3", number, 1.5),
        {"bill_no": "B-4"},
        bill_json("B-5", "9999999998"),
        bill_json("B-1", number, 3_000),
        "not an object",
        bill_json("B-6", number, 4_000, period="2026-11/2027-03"),
    )

    assert [(a["index"], a["bill_no"], a["result"]) for a in result["accepted"]] == [
        (0, "B-1", "created"),
        (7, "B-6", "created"),
    ]
    refused = {r["index"]: r for r in result["refused"]}
    assert sorted(refused) == [1, 2, 3, 4, 5, 6]
    assert "line_items" in refused[1]["errors"]
    assert "amount" in refused[2]["errors"]
    assert {"account_number", "period", "amount", "due_date"} <= set(refused[3]["errors"])
    assert refused[4]["code"] == "account-not-bound" and refused[4]["reason"]
    assert refused[5]["code"] == "duplicate-in-request"
    assert refused[6]["code"] == "validation-failed" and refused[6]["bill_no"] is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Bill)) == 2


def test_the_same_bill_again_changes_nothing_and_a_changed_one_updates_it_while_unpaid(
    client, auth, resident, biller_headers, account
):
    number = account.account_number
    first = bill_json("B-1", number, 3_000)
    assert _push(client, biller_headers, first)["accepted"][0]["result"] == "created"
    assert _push(client, biller_headers, first)["accepted"][0]["result"] == "unchanged"
    changed = {**first, "amount": {"amount_fen": 3_300}}
    assert _push(client, biller_headers, changed)["accepted"][0]["result"] == "updated"

    bills = client.get("/api/v1/bills", headers=auth(resident)).get_json()["items"]
    assert [(b["bill_no"], b["amount"]["amount_fen"]) for b in bills] == [("B-1", 3_300)]

    moved = {**changed, "account_number": helpers.bind(resident, account.biller).account_number}
    assert _push(client, biller_headers, moved)["refused"][0]["code"] == "account-mismatch"


def test_a_bill_being_paid_or_paid_cannot_change(client, auth, resident, water, biller_headers, account):
    bill = helpers.push(water, "B-1", account.account_number, 3_000)
    helpers.pay(resident, [bill])
    changed = bill_json("B-1", account.account_number, 3_100)
    assert _push(client, biller_headers, changed)["refused"][0]["code"] == "payment-in-progress"
    helpers.settle()
    assert _push(client, biller_headers, changed)["refused"][0]["code"] == "bill-settled"
    same = bill_json("B-1", account.account_number, 3_000, due=bill.due_date)
    assert _push(client, biller_headers, same)["accepted"][0]["result"] == "unchanged"


def test_a_bill_paid_at_the_counter_is_marked_paid_once_and_cannot_be_paid_here(
    client, auth, resident, water, biller_headers, account
):
    bill = helpers.push(water, "B-1", account.account_number)
    marked = client.post(
        "/api/v1/biller/bills/B-1/paid-elsewhere", headers=biller_headers, json={"note": "营业厅现金"}
    )
    assert marked.status_code == 200
    assert (marked.get_json()["status"], marked.get_json()["paid_via"]) == ("paid", "elsewhere")
    again = client.post("/api/v1/biller/bills/B-1/paid-elsewhere", headers=biller_headers, json={})
    assert again.status_code == 200 and again.get_json()["paid_at"] == marked.get_json()["paid_at"]

    mine = client.get(f"/api/v1/bills/{bill.id}", headers=auth(resident)).get_json()
    assert (mine["status"], mine["paid_via"]) == ("paid", "elsewhere")
    refused = client.post(
        "/api/v1/bills/payments",
        headers=auth(resident, **{"Idempotency-Key": "k1"}),
        json={"bill_ids": [str(bill.id)]},
    )
    assert refused.status_code == 409 and refused.get_json()["code"] == "payment-already-paid"
    assert client.get(f"/api/v1/bills/{bill.id}/receipt", headers=auth(resident)).status_code == 404


def test_the_biller_cannot_mark_paid_elsewhere_a_bill_being_paid_here(
    client, resident, water, biller_headers, account
):
    helpers.pay(resident, [helpers.push(water, "B-1", account.account_number)])
    busy = client.post("/api/v1/biller/bills/B-1/paid-elsewhere", headers=biller_headers, json={})
    assert busy.status_code == 409 and busy.get_json()["code"] == "payment-in-progress"
    helpers.settle()
    paid = client.post("/api/v1/biller/bills/B-1/paid-elsewhere", headers=biller_headers, json={})
    assert paid.status_code == 409 and paid.get_json()["code"] == "bill-settled"


def test_a_withdrawn_bill_is_shown_as_cancelled_and_cannot_be_paid(
    client, auth, resident, water, biller_headers, account
):
    bill = helpers.push(water, "B-1", account.account_number)
    withdrawn = client.post("/api/v1/biller/bills/B-1/cancel", headers=biller_headers)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "cancelled"
    cancelled = client.get("/api/v1/bills?status=cancelled", headers=auth(resident)).get_json()["items"]
    assert [b["id"] for b in cancelled] == [str(bill.id)]
    refused = client.post(
        "/api/v1/bills/payments",
        headers=auth(resident, **{"Idempotency-Key": "k1"}),
        json={"bill_ids": [str(bill.id)]},
    )
    assert refused.status_code == 409 and refused.get_json()["code"] == "bill-cancelled"


def test_one_biller_never_reaches_another_billers_records(client, resident, water, biller_headers, account):
    bill = helpers.paid_bill(resident, water, "W-1")
    helpers.push(water, "W-2", account.account_number)
    dispute = services.raise_dispute(
        helpers.person_actor(resident), bill.payment_id, "not_credited", "没有到账"
    )
    pending_gas = helpers.make_biller("test-gas", "test-gas-biller", category="gas", confirms_by="api")
    pending = helpers.bind(resident, pending_gas, "5201000012")
    power = helpers.make_biller("test-power", "test-power-biller", category="electricity")
    other = helpers.client_token(client, power.client_id)

    assert client.get("/api/v1/biller/bills/W-1", headers=other).status_code == 404
    assert client.post("/api/v1/biller/bills/W-2/paid-elsewhere", headers=other, json={}).status_code == 404
    assert client.post("/api/v1/biller/bills/W-2/cancel", headers=other).status_code == 404
    answer = {"decision": "rejected", "answer": "不是我们的"}
    assert (
        client.post(f"/api/v1/biller/disputes/{dispute.id}/answer", headers=other, json=answer).status_code
        == 404
    )
    decision = client.post(
        f"/api/v1/biller/account-bindings/{pending.id}/decision", headers=other, json={"confirmed": True}
    )
    assert decision.status_code == 404
    assert client.get("/api/v1/biller/disputes", headers=other).get_json()["items"] == []
    assert client.get("/api/v1/biller/account-bindings", headers=other).get_json()["items"] == []
    pushed = _push(client, other, bill_json("W-2", account.account_number))
    assert pushed["refused"][0]["code"] == "account-not-bound"
    assert client.get("/api/v1/biller/bills/W-2", headers=biller_headers).get_json()["status"] == "unpaid"


def test_only_a_registered_biller_with_bills_write_may_push(client, auth, resident, water, account):
    helpers.register_client("test-no-scope", scopes=("payments:read",))
    no_scope = client.post(PUSH, headers=helpers.client_token(client, "test-no-scope"), json={"bills": [{}]})
    assert no_scope.status_code == 403
    helpers.register_client("test-unregistered")
    unregistered = client.post(
        PUSH, headers=helpers.client_token(client, "test-unregistered"), json={"bills": [{}]}
    )
    assert unregistered.status_code == 403 and unregistered.get_json()["code"] == "not-a-biller"
    as_resident = client.post(PUSH, headers=auth(resident), json={"bills": [{}]})
    assert as_resident.status_code == 403


def test_the_biller_sees_its_bills_status_after_payment(client, resident, water, biller_headers, account):
    due = services.business_date() + timedelta(days=3)
    bill = helpers.push(water, "B-1", account.account_number, 4_200, due=due)
    helpers.pay(resident, [bill])
    helpers.settle()
    seen = client.get("/api/v1/biller/bills/B-1", headers=biller_headers).get_json()
    assert (seen["status"], seen["paid_via"], seen["due_date"]) == ("paid", "yimatong", due.isoformat())
    assert seen["amount"] == {"amount_fen": 4_200, "currency": "CNY"}
