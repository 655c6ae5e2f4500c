"""The whole bill story over HTTP: a biller pushes, the resident sees and pays once, everyone hears of it."""

from __future__ import annotations

from datetime import timedelta

from app.bills import services
from app.notifications.models import OutboxMessage
from tests.bills.helpers import bill_json

PROBLEM = "application/problem+json"


def _settle(app) -> str:
    result = app.test_cli_runner().invoke(args=["payments", "sandbox-settle"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_pushed_bill_is_seen_paid_once_and_its_receipt_checked_by_anyone(
    app, client, db, auth, resident, other_resident, water, biller_headers
):
    billers = client.get("/api/v1/bills/billers?category=water&city_code=520100").get_json()
    assert [b["code"] for b in billers] == ["test-water"]
    assert billers[0]["account_fields"][0]["label"] == "户号"

    bound = client.post(
        "/api/v1/bills/accounts",
        headers=auth(resident),
        json={
            "biller_id": billers[0]["id"],
            "fields": {"account_number": "5201000012"},
            "holder_name": "李小明",
        },
    )
    assert bound.status_code == 201, bound.get_json()
    assert bound.get_json()["status"] == "confirmed"
    assert bound.get_json()["holder_name"] == "李**"

    due = services.business_date() + timedelta(days=10)
    pushed = client.post(
        "/api/v1/biller/bills",
        headers=biller_headers,
        json={
            "bills": [
                bill_json(
                    "W-2026-10-01",
                    "5201000012",
                    8_800,
                    due=due,
                    line_items=[
                        {"name": "水费", "amount_fen": 6_600, "quantity": "22", "unit": "吨"},
                        {"name": "污水处理费", "amount_fen": 2_200},
                    ],
                ),
                bill_json("W-2026-10-02", "5201009994", 5_000, due=due),
            ]
        },
    )
    assert pushed.status_code == 200, pushed.get_json()
    result = pushed.get_json()
    assert [(a["bill_no"], a["result"]) for a in result["accepted"]] == [("W-2026-10-01", "created")]
    assert [(r["bill_no"], r["code"]) for r in result["refused"]] == [("W-2026-10-02", "account-not-bound")]

    again = client.post(
        "/api/v1/biller/bills",
        headers=biller_headers,
        json={
            "bills": [
                bill_json(
                    "W-2026-10-01",
                    "5201000012",
                    8_800,
                    due=due,
                    line_items=[
                        {"name": "水费", "amount_fen": 6_600, "quantity": "22", "unit": "吨"},
                        {"name": "污水处理费", "amount_fen": 2_200},
                    ],
                )
            ]
        },
    ).get_json()
    assert again["accepted"][0]["result"] == "unchanged"

    unpaid = client.get("/api/v1/bills?status=unpaid", headers=auth(resident)).get_json()
    assert [bill["bill_no"] for bill in unpaid["items"]] == ["W-2026-10-01"]
    bill = unpaid["items"][0]
    assert bill["amount"] == {"amount_fen": 8_800, "currency": "CNY"}
    assert bill["overdue"] is False and bill["status"] == "unpaid"
    assert client.get("/api/v1/bills", headers=auth(other_resident)).get_json()["items"] == []

    key = {"Idempotency-Key": "pay-water-october"}
    paid = client.post(
        "/api/v1/bills/payments", headers=auth(resident, **key), json={"bill_ids": [bill["id"]]}
    )
    assert paid.status_code == 201, paid.get_json()
    payment = paid.get_json()
    assert payment["status"] == "pending"
    assert payment["amount"]["amount_fen"] == 8_800
    assert payment["payee"] == {"kind": "biller", "id": "test-water-biller"}

    replay = client.post(
        "/api/v1/bills/payments", headers=auth(resident, **key), json={"bill_ids": [bill["id"]]}
    )
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json()["id"] == payment["id"]
    second = client.post(
        "/api/v1/bills/payments",
        headers=auth(resident, **{"Idempotency-Key": "another"}),
        json={"bill_ids": [bill["id"]]},
    )
    assert second.status_code == 409 and second.get_json()["code"] == "payment-in-progress"

    detail = client.get(f"/api/v1/bills/{bill['id']}", headers=auth(resident)).get_json()
    assert detail["payment"] == {"id": payment["id"], "status": "pending"}
    assert [item["name"] for item in detail["line_items"]] == ["水费", "污水处理费"]

    assert "1 captured" in _settle(app)

    detail = client.get(f"/api/v1/bills/{bill['id']}", headers=auth(resident)).get_json()
    assert detail["status"] == "paid" and detail["paid_via"] == "yimatong"
    assert detail["payment_id"] == payment["id"]
    assert client.get("/api/v1/bills?status=unpaid", headers=auth(resident)).get_json()["items"] == []
    late = client.post(
        "/api/v1/bills/payments",
        headers=auth(resident, **{"Idempotency-Key": "late"}),
        json={"bill_ids": [bill["id"]]},
    )
    assert late.status_code == 409 and late.get_json()["code"] == "payment-already-paid"

    receipt = client.get(f"/api/v1/bills/{bill['id']}/receipt", headers=auth(resident)).get_json()
    assert receipt["amount"]["amount_fen"] == 8_800 and receipt["status"] == "valid"
    assert client.get(f"/api/v1/bills/{bill['id']}/receipt", headers=auth(other_resident)).status_code == 404

    checked = client.get(f"/api/v1/bills/receipts/verify?code={receipt['verification_code'].lower()}")
    assert checked.status_code == 200
    public = checked.get_json()
    assert public == {
        "receipt_no": receipt["receipt_no"],
        "status": "valid",
        "biller": "测试水务集团",
        "amount": {"amount_fen": 8_800, "currency": "CNY"},
        "refunded": {"amount_fen": 0, "currency": "CNY"},
        "paid_on": services.business_date().isoformat(),
        "period": "2026-10",
        "account": "52****0012",
    }
    assert "李" not in checked.get_data(as_text=True)
    wrong = client.get("/api/v1/bills/receipts/verify?code=AAAA-BBBB-CCCC-DDDD")
    assert wrong.status_code == 404 and wrong.mimetype == PROBLEM

    as_biller = client.get("/api/v1/biller/bills/W-2026-10-01", headers=biller_headers).get_json()
    assert as_biller["status"] == "paid" and as_biller["payment_id"] == payment["id"]
    webhooks = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.client_id == "test-water-biller")
    )
    assert [(m.template, m.params["bill_no"], m.params["payment_id"]) for m in webhooks] == [
        ("bill.paid", "W-2026-10-01", payment["id"])
    ]
    inbox = client.get("/api/v1/me/inbox", headers=auth(resident)).get_json()["items"]
    assert receipt["verification_code"] in inbox[0]["body"]

    soon = services.business_date() + timedelta(days=2)
    client.post(
        "/api/v1/biller/bills",
        headers=biller_headers,
        json={"bills": [bill_json("W-11", "5201000012", due=soon)]},
    )
    for _ in range(2):
        swept = app.test_cli_runner().invoke(args=["bills", "sweep"])
        assert swept.exit_code == 0, swept.output
    reminders = db.session.scalars(
        db.select(OutboxMessage).where(
            OutboxMessage.recipient_id == resident.id, OutboxMessage.template == "bill_due"
        )
    ).all()
    assert len(reminders) == 1
    titles = [
        item["title"] for item in client.get("/api/v1/me/inbox", headers=auth(resident)).get_json()["items"]
    ]
    assert titles.count("账单即将到期") == 1


def test_receipt_checks_are_rate_limited_per_address(client):
    statuses = [
        client.get("/api/v1/bills/receipts/verify?code=AAAA-BBBB-CCCC-DDDD").status_code for _ in range(31)
    ]
    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429
