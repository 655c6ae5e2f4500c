"""What residents and billers hear through the outbox: each notice and webhook once, in their language."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from app.bills import services
from app.core.calendar import SHANGHAI
from app.core.money import Money
from app.notifications.models import OutboxMessage
from tests.bills import helpers


def _outbox(db, **where) -> list[OutboxMessage]:
    stmt = db.select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(OutboxMessage, name) == value)
    return list(db.session.scalars(stmt))


def _inbox(client, auth, person) -> list[dict]:
    return client.get("/api/v1/me/inbox", headers=auth(person)).get_json()["items"]


def _sweep(app) -> str:
    result = app.test_cli_runner().invoke(args=["bills", "sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_paid_bill_reaches_the_payer_with_its_receipt_code_and_the_biller_by_webhook(
    client, auth, db, resident, water, account
):
    bill = helpers.push(water, "W-1", account.account_number, 8_800)
    assert [m.template for m in _outbox(db, recipient_id=resident.id)] == ["bill_issued"]
    helpers.pay(resident, [bill])
    helpers.settle()

    receipt = client.get(f"/api/v1/bills/{bill.id}/receipt", headers=auth(resident)).get_json()
    titles = [item["title"] for item in _inbox(client, auth, resident)]
    assert titles[:2] == ["账单已缴清", "新账单"]
    body = _inbox(client, auth, resident)[0]["body"]
    assert receipt["verification_code"] in body and "¥88.00" in body

    (webhook,) = _outbox(db, client_id="test-water-biller")
    assert webhook.template == "bill.paid"
    assert webhook.params["bill_no"] == "W-1" and webhook.params["amount_fen"] == 8_800
    assert webhook.params["receipt_no"] == receipt["receipt_no"]
    helpers.settle()
    assert len(_outbox(db, client_id="test-water-biller")) == 1


def test_reminders_before_the_due_date_and_when_overdue_are_sent_once_each(
    app, client, auth, db, resident, other_resident, water, account
):
    helpers.bind(other_resident, water, account.account_number)
    other_resident.locale = "en"
    today = services.business_date()
    soon = helpers.push(water, "W-SOON", account.account_number, due=today + timedelta(days=2))
    late = helpers.push(water, "W-LATE", account.account_number, due=today - timedelta(days=1))
    helpers.push(water, "W-LATER", account.account_number, due=today + timedelta(days=10))

    assert "reminded_due_soon=1, reminded_overdue=1" in _sweep(app)
    assert "reminded_due_soon=0, reminded_overdue=0" in _sweep(app)

    for person in (resident, other_resident):
        sent = [(m.template, m.params["due_date"]) for m in _outbox(db, recipient_id=person.id)]
        assert ("bill_due", {"$date": soon.due_date.isoformat()}) in sent
        assert ("bill_overdue", {"$date": late.due_date.isoformat()}) in sent
        assert [t for t, _ in sent].count("bill_due") == 1 and [t for t, _ in sent].count("bill_overdue") == 1
    chinese = {item["title"]: item["body"] for item in _inbox(client, auth, resident)}
    english = {item["title"]: item["body"] for item in _inbox(client, auth, other_resident)}
    assert "测试水务集团" in chinese["账单即将到期"]
    assert "Test Water Group" in english["Bill due soon"] and "Test Water Group" in english["Bill overdue"]


def test_a_bill_over_the_autopay_limit_asks_the_resident_once_and_a_failed_autopay_says_so(
    client, auth, db, resident, water, account
):
    services.set_autopay(helpers.person_actor(resident), account.id, Money(5_000), 0)
    today = services.business_date()
    morning = datetime.combine(today, time(9), SHANGHAI)
    helpers.push(water, "W-BIG", account.account_number, 9_000, due=today)
    helpers.push(water, "W-FAIL", account.account_number, 4_851, due=today)
    services.run_autopay(morning)
    services.run_autopay(morning)
    helpers.settle()

    sent = [m.template for m in _outbox(db, recipient_id=resident.id)]
    assert sent.count("bill_autopay_over_limit") == 1
    assert sent.count("autopay_failed") == 1


def test_billers_hear_of_bindings_fetches_and_disputes_and_residents_of_the_answers(
    client, auth, db, resident, water
):
    gas = helpers.make_biller("test-gas", "test-gas-biller", category="gas", confirms_by="api")
    headers = helpers.client_token(client, gas.client_id)
    account = helpers.bind(resident, gas, "5201000013")
    (asked,) = _outbox(db, client_id="test-gas-biller")
    assert (asked.template, asked.params["binding_id"]) == ("account.binding_requested", str(account.id))
    client.post(
        f"/api/v1/biller/account-bindings/{account.id}/decision",
        headers=headers,
        json={"confirmed": False, "reason": "户名不符"},
    )
    refused = _inbox(client, auth, resident)[0]
    assert refused["title"] == "户号未通过确认" and "户名不符" in refused["body"]
    helpers.bind(resident, gas, "5201000013")
    client.post(
        f"/api/v1/biller/account-bindings/{account.id}/decision", headers=headers, json={"confirmed": True}
    )
    assert _inbox(client, auth, resident)[0]["title"] == "户号已确认"
    assert (
        client.post(f"/api/v1/bills/accounts/{account.id}/fetch", headers=auth(resident)).status_code == 200
    )
    events = [m.template for m in _outbox(db, client_id="test-gas-biller")]
    assert events == ["account.binding_requested", "account.binding_requested", "bill.fetch_requested"]

    bill = helpers.paid_bill(resident, water, "W-9")
    dispute = services.raise_dispute(
        helpers.person_actor(resident), bill.payment_id, "not_credited", "没到账"
    )
    assert "bill.dispute_opened" in [m.template for m in _outbox(db, client_id="test-water-biller")]
    services.answer_dispute(helpers.biller_actor(water), dispute.id, True, "已补记入账")
    db.session.commit()
    answered = _inbox(client, auth, resident)[0]
    assert answered["title"] == "争议已答复" and "已补记入账" in answered["body"]


def test_a_dispute_left_unanswered_past_its_deadline_is_pointed_out_once(app, db, resident, water):
    bill = helpers.paid_bill(resident, water, "W-1")
    dispute = services.raise_dispute(
        helpers.person_actor(resident), bill.payment_id, "wrong_amount", "多扣了"
    )
    assert services.note_unanswered_disputes(dispute.answer_due_at - timedelta(minutes=1)) == 0
    assert services.note_unanswered_disputes(dispute.answer_due_at) == 1
    assert services.note_unanswered_disputes(dispute.answer_due_at + timedelta(days=1)) == 0
    assert [m.template for m in _outbox(db, recipient_id=resident.id)].count("bill_dispute_unanswered") == 1
