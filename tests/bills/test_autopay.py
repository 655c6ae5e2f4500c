"""Autopay: new bills within the limit are paid N days before due through the same payment path."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from app.bills import services
from app.core.calendar import SHANGHAI
from app.payments import services as payments
from tests.bills import helpers


def _autopay(client, headers, account, fen=20_000, days=3):
    return client.put(
        f"/api/v1/bills/accounts/{account.id}/autopay",
        headers=headers,
        json={"limit": {"amount_fen": fen}, "days_before_due": days},
    )


def _morning(day):
    return datetime.combine(day, time(9), SHANGHAI)


def test_a_bill_within_the_limit_is_paid_on_its_autopay_day_and_not_before(
    client, auth, resident, water, account
):
    assert _autopay(client, auth(resident), account).status_code == 200
    due = services.business_date() + timedelta(days=10)
    bill = helpers.push(water, "W-1", account.account_number, 15_000, due=due)

    early = services.run_autopay(_morning(due - timedelta(days=4)))
    assert (early.paid, early.over_limit) == (0, 0)
    assert payments.active_intent_for("bills", str(bill.id)) is None

    run = services.run_autopay(_morning(due - timedelta(days=3)))
    assert run.paid == 1
    intent = payments.active_intent_for("bills", str(bill.id))
    assert intent.payer_id == resident.id and intent.initiated_by_id is None
    assert services.run_autopay(_morning(due - timedelta(days=2))).paid == 0

    helpers.settle()
    shown = client.get(f"/api/v1/bills/{bill.id}", headers=auth(resident)).get_json()
    assert (shown["status"], shown["autopay_state"]) == ("paid", "attempted")
    log = client.get("/api/v1/me/access-log", headers=auth(resident)).get_json()["items"]
    assert any(e["actor_kind"] == "system" and e["resource"] == "payment_intent" for e in log)


def test_a_bill_over_the_limit_is_left_for_the_resident_to_pay(client, auth, resident, water, account):
    _autopay(client, auth(resident), account, fen=10_000, days=0)
    due = services.business_date()
    bill = helpers.push(water, "W-1", account.account_number, 10_001, due=due)
    assert services.run_autopay(_morning(due)).over_limit == 1
    assert services.run_autopay(_morning(due)).over_limit == 0
    shown = client.get(f"/api/v1/bills/{bill.id}", headers=auth(resident)).get_json()
    assert (shown["status"], shown["autopay_state"], shown["payment"]) == ("unpaid", "over_limit", None)
    paid = client.post(
        "/api/v1/bills/payments",
        headers=auth(resident, **{"Idempotency-Key": "by-hand"}),
        json={"bill_ids": [str(bill.id)]},
    )
    assert paid.status_code == 201


def test_a_failed_autopay_is_not_retried_and_the_bill_waits_for_the_resident(
    client, auth, resident, water, account
):
    _autopay(client, auth(resident), account, days=0)
    due = services.business_date()
    bill = helpers.push(water, "W-1", account.account_number, 8_851, due=due)
    assert services.run_autopay(_morning(due)).paid == 1
    helpers.settle()
    assert services.run_autopay(_morning(due)).paid == 0
    shown = client.get(f"/api/v1/bills/{bill.id}", headers=auth(resident)).get_json()
    assert (shown["status"], shown["autopay_state"], shown["payment"]) == ("unpaid", "attempted", None)


def test_bills_already_being_paid_or_without_autopay_are_left_alone(
    client, auth, resident, other_resident, water
):
    mine = helpers.bind(resident, water)
    shared = helpers.bind(other_resident, water, mine.account_number)
    _autopay(client, auth(other_resident), shared, days=0)
    due = services.business_date()
    bill = helpers.push(water, "W-1", mine.account_number, 5_000, due=due)
    helpers.pay(resident, [bill])
    run = services.run_autopay(_morning(due))
    assert run.paid == 0
    intent = payments.active_intent_for("bills", str(bill.id))
    assert intent.payer_id == resident.id

    plain = helpers.bind(resident, water)
    helpers.push(water, "W-2", plain.account_number, 5_000, due=due)
    assert services.run_autopay(_morning(due)).paid == 0


def test_autopay_settings_are_checked(client, auth, resident, account):
    assert _autopay(client, auth(resident), account, fen=0).status_code == 422
    assert _autopay(client, auth(resident), account, days=16).status_code == 422
    assert _autopay(client, auth(resident), account, days=2).get_json()["days_before_due"] == 2
    assert _autopay(client, auth(resident), account, fen=30_000).get_json()["limit"]["amount_fen"] == 30_000
    listed = client.get(f"/api/v1/bills/accounts/{account.id}", headers=auth(resident)).get_json()
    assert listed["autopay"]["limit"]["amount_fen"] == 30_000
    assert (
        client.delete(f"/api/v1/bills/accounts/{account.id}/autopay", headers=auth(resident)).status_code
        == 204
    )
    assert (
        client.delete(f"/api/v1/bills/accounts/{account.id}/autopay", headers=auth(resident)).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/bills/accounts/{account.id}", headers=auth(resident)).get_json()["autopay"]
        is None
    )

    manual_only = helpers.make_biller(
        "test-heat", "test-heat-biller", category="heating", payment_modes=["app"]
    )
    heating = helpers.bind(resident, manual_only)
    refused = _autopay(client, auth(resident), heating)
    assert refused.status_code == 422 and "account_id" in refused.get_json()["errors"]


def test_the_sweep_command_pays_due_autopay_bills(app, client, auth, resident, water, account):
    _autopay(client, auth(resident), account, days=0)
    bill = helpers.push(water, "W-1", account.account_number, 5_000, due=services.business_date())
    result = app.test_cli_runner().invoke(args=["bills", "sweep"])
    assert result.exit_code == 0, result.output
    assert "autopay_paid=1" in result.output
    assert payments.active_intent_for("bills", str(bill.id)) is not None


def test_the_job_machinery_runs_the_bills_sweep_and_the_payment_jobs(
    app, db, client, auth, resident, water, account
):
    from app.core import jobs

    assert {"bills.sweep", "payments.sandbox", "payments.reconcile", "payments.purge"} <= set(jobs.PERIODIC)
    _autopay(client, auth(resident), account, days=0)
    bill = helpers.push(water, "W-1", account.account_number, 5_000, due=services.business_date())
    db.session.commit()  # the tick is another process: it sees what was committed

    for _ in range(2):  # the sweep opens the payment; the sandbox job (in this tick or the next) settles it
        result = app.test_cli_runner().invoke(args=["rq", "tick"])
        assert result.exit_code == 0, result.output

    shown = client.get(f"/api/v1/bills/{bill.id}", headers=auth(resident)).get_json()
    assert (shown["autopay_state"], shown["status"]) == ("attempted", "paid")
