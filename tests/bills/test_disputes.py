"""Disputes: raised on a payment, answered by the biller by a working-day deadline, else 12345."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from app.bills import services
from app.core.calendar import SHANGHAI, save_calendar_days
from tests.bills import helpers


def _raise(client, headers, payment_id, kind="not_credited", text="缴费成功但水务公司说没收到"):
    return client.post(
        "/api/v1/bills/disputes",
        headers=headers,
        json={"payment_id": str(payment_id), "kind": kind, "description": text},
    )


def test_a_rejected_dispute_goes_to_12345_with_the_payment_evidence_and_reaches_the_billers_department(
    client, auth, resident, make_person, demo, water, biller_headers
):
    bill = helpers.paid_bill(resident, water, "W-2026-10", 8_800)
    raised = _raise(client, auth(resident), bill.payment_id)
    assert raised.status_code == 201, raised.get_json()
    dispute = raised.get_json()
    assert (dispute["status"], dispute["kind_label"], dispute["may_escalate"]) == (
        "open",
        "已缴费未到账",
        False,
    )
    assert dispute["evidence"]["bills"][0]["bill_no"] == "W-2026-10"
    assert _raise(client, auth(resident), bill.payment_id).get_json()["code"] == "dispute-exists"
    early = client.post(f"/api/v1/bills/disputes/{dispute['id']}/escalate", headers=auth(resident), json={})
    assert early.status_code == 409 and early.get_json()["code"] == "dispute-not-escalatable"

    waiting = client.get("/api/v1/biller/disputes?status=open", headers=biller_headers).get_json()["items"]
    assert [d["id"] for d in waiting] == [dispute["id"]]
    assert waiting[0]["evidence"]["amount_fen"] == 8_800
    answer = {"decision": "rejected", "answer": "款项已于当日入账，户号余额正常"}
    answered = client.post(
        f"/api/v1/biller/disputes/{dispute['id']}/answer", headers=biller_headers, json=answer
    )
    assert answered.status_code == 200 and answered.get_json()["status"] == "rejected"
    twice = client.post(
        f"/api/v1/biller/disputes/{dispute['id']}/answer", headers=biller_headers, json=answer
    )
    assert twice.status_code == 409 and twice.get_json()["code"] == "dispute-answered"

    seen = client.get(f"/api/v1/bills/disputes/{dispute['id']}", headers=auth(resident)).get_json()
    assert (seen["answer"], seen["may_escalate"]) == (answer["answer"], True)
    escalated = client.post(
        f"/api/v1/bills/disputes/{dispute['id']}/escalate",
        headers=auth(resident),
        json={"note": "余额仍显示欠费"},
    )
    assert escalated.status_code == 200, escalated.get_json()
    body = escalated.get_json()
    assert body["status"] == "escalated" and body["complaint_tracking_number"].startswith("12345-")

    complaint = client.get(f"/api/v1/complaints/{body['complaint_id']}", headers=auth(resident)).get_json()
    assert complaint["category"]["code"] == "0703"
    assert complaint["department"] == "市水务集团"
    assert "余额仍显示欠费" in complaint["description"]  # the resident's own words, as written
    handler = make_person("department_handler", department="city-water", locale="en")
    filed = client.get(f"/api/v1/staff/complaints/{body['complaint_id']}", headers=auth(handler)).get_json()
    attached = filed["attachment"]
    assert attached["kind"] == "bill_dispute" and attached["title"].startswith("Utility bill payment dispute")
    facts = {fact["label"]: fact["value"] for fact in attached["facts"]}
    assert facts["Payment"] == str(bill.payment_id) and facts["Amount"] == "¥88.00"
    assert facts["The biller answered"] == "款项已于当日入账，户号余额正常"
    assert any(value.startswith("W-2026-10 · 52****") for value in facts.values())
    again = client.post(f"/api/v1/bills/disputes/{dispute['id']}/escalate", headers=auth(resident), json={})
    assert again.status_code == 409
    log = client.get("/api/v1/me/access-log", headers=auth(resident)).get_json()["items"]
    assert {(e["client_id"], e["resource"]) for e in log} >= {("test-water-biller", "bill_dispute")}


def test_the_biller_has_working_days_to_answer_and_an_unanswered_dispute_can_be_escalated(
    client, auth, resident, demo, water
):
    save_calendar_days([(date(2026, 10, d), "holiday", "国庆节") for d in range(1, 8)])
    save_calendar_days([(date(2026, 10, 10), "workday", "国庆节调休")])
    bill = helpers.paid_bill(resident, water, "W-1")
    wednesday = datetime.combine(date(2026, 9, 30), time(10), SHANGHAI)
    dispute = services.raise_dispute(
        helpers.person_actor(resident), bill.payment_id, "wrong_amount", "金额不对", wednesday
    )
    assert dispute.answer_due_at == datetime.combine(date(2026, 10, 11), time(), SHANGHAI)

    assert not dispute.may_escalate_at(dispute.answer_due_at - timedelta(seconds=1))
    escalated = services.escalate_dispute(
        helpers.person_actor(resident), dispute.id, now=dispute.answer_due_at
    )
    assert escalated.status == "escalated" and escalated.complaint_id is not None


def test_only_a_completed_bill_payment_of_ones_own_can_be_disputed(
    client, auth, resident, other_resident, water, account
):
    pending = helpers.pay(resident, [helpers.push(water, "W-1", account.account_number)])
    assert _raise(client, auth(resident), pending.id).get_json()["code"] == "payment-not-disputable"
    bill = helpers.paid_bill(resident, water, "W-2")
    assert _raise(client, auth(other_resident), bill.payment_id).status_code == 404
    assert _raise(client, auth(resident), other_resident.id).status_code == 404
    short = _raise(client, auth(resident), bill.payment_id, text="短")
    assert short.status_code == 422
    assert _raise(client, auth(resident), bill.payment_id, kind="angry").status_code == 422


def test_an_accepted_dispute_is_not_escalated(client, auth, resident, water, biller_headers):
    bill = helpers.paid_bill(resident, water, "W-1")
    dispute = _raise(client, auth(resident), bill.payment_id, kind="paid_twice").get_json()
    answer = {"decision": "accepted", "answer": "已核实重复缴费，三个工作日内退款"}
    client.post(f"/api/v1/biller/disputes/{dispute['id']}/answer", headers=biller_headers, json=answer)
    shown = client.get("/api/v1/bills/disputes", headers=auth(resident)).get_json()["items"][0]
    assert (shown["status"], shown["decision"], shown["may_escalate"]) == ("accepted", "accepted", False)
    refused = client.post(f"/api/v1/bills/disputes/{dispute['id']}/escalate", headers=auth(resident), json={})
    assert refused.status_code == 409
