"""The daily settlement of each payee: who may read it, which day it covers, and its CSV export."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, time, timedelta

import pytest

from app.core.actors import Actor
from app.core.calendar import SHANGHAI
from app.core.models import utcnow
from app.core.money import Money
from app.identity import services as identity
from app.identity import tokens
from app.payments import services
from tests.payments.helpers import MERCHANT, pay, run_sandbox

BILLER = services.Payee("biller", "biller-water-gy")


def _url(payee=MERCHANT, day=None, csv_route=False):
    day = day or utcnow().astimezone(SHANGHAI).date()
    route = "settlements.csv" if csv_route else "settlements"
    return f"/api/v1/payments/{route}?payee_kind={payee.kind}&payee_id={payee.id}&date={day.isoformat()}"


def test_the_payees_own_client_reads_its_settlement_and_no_one_elses(client, resident, machine_auth, heard):
    pay(resident, 700, payee=BILLER)
    pay(resident, 300)
    run_sandbox()

    own = client.get(_url(BILLER), headers=machine_auth(BILLER.id, "payments:read"))
    assert own.status_code == 200
    assert (own.get_json()["paid"]["amount_fen"], own.get_json()["payments_count"]) == (700, 1)

    for headers in (
        machine_auth(BILLER.id, "bills:write"),
        machine_auth("biller-power-gy", "payments:read"),
    ):
        refused = client.get(_url(BILLER), headers=headers)
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json"


def test_residents_and_other_staff_cannot_read_a_settlement(client, resident, auth, make_person):
    for person in (resident, make_person("supervisor")):
        assert client.get(_url(), headers=auth(person)).status_code == 403


def test_a_day_without_payments_settles_to_zero(client, auth, make_person):
    report = client.get(_url(day=datetime(2026, 1, 1).date()), headers=auth(make_person("admin"))).get_json()
    assert report["paid"] == {"amount_fen": 0, "currency": "CNY"}
    assert report["net"]["amount_fen"] == 0 and report["payments_count"] == 0


def test_a_payment_after_midnight_in_shanghai_belongs_to_the_next_business_day(
    client, db, resident, auth, make_person, heard
):
    today = utcnow().astimezone(SHANGHAI).date()
    tomorrow = today + timedelta(days=1)
    just_after_midnight = datetime.combine(tomorrow, time(0, 30), SHANGHAI)  # 16:30 UTC the day before
    intent = pay(resident, 1_500, outcome="timeout")
    run_sandbox()
    assert services.reconcile_intent(intent.id, just_after_midnight) == "succeeded"
    db.session.commit()

    admin = auth(make_person("admin"))
    assert client.get(_url(day=today), headers=admin).get_json()["payments_count"] == 0
    next_day = client.get(_url(day=tomorrow), headers=admin).get_json()
    assert next_day["payments_count"] == 1 and next_day["paid"]["amount_fen"] == 1_500


def test_the_csv_export_lists_every_payment_and_refund_then_the_totals(
    client, db, resident, auth, make_person, heard
):
    first = pay(resident, 1_000, refs=["order-a"])
    second = pay(resident, 2_000, refs=["order-b", "order-c"])
    run_sandbox()
    services.refund(Actor.system(), second.id, Money(500), "少送一件", "refund-1")
    db.session.commit()

    response = client.get(_url(csv_route=True), headers=auth(make_person("admin")))

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    blank = rows.index([])
    details = [dict(zip(rows[0], row, strict=True)) for row in rows[1:blank]]
    assert [(d["kind"], d["payment_id"], d["purpose_ids"], d["amount_fen"]) for d in details] == [
        ("payment", str(first.id), "order-a", "1000"),
        ("payment", str(second.id), "order-b order-c", "2000"),
        ("refund", str(second.id), "order-b order-c", "-500"),
    ]
    summary = dict(zip(rows[blank + 1], rows[blank + 2], strict=True))
    assert summary | {"business_date": "x"} == {
        "business_date": "x",
        "payee_kind": "merchant",
        "payee_id": MERCHANT.id,
        "currency": "CNY",
        "payments_count": "2",
        "paid_fen": "3000",
        "refunds_count": "1",
        "refunded_fen": "500",
        "net_fen": "2500",
    }


@pytest.mark.parametrize(
    "query",
    [
        "payee_kind=merchant",
        "payee_kind=bank&payee_id=x",
        "payee_kind=merchant&payee_id=x&date=2026-13-01",
    ],
)
def test_a_malformed_settlement_query_is_a_validation_problem(client, auth, make_person, query):
    response = client.get(f"/api/v1/payments/settlements?{query}", headers=auth(make_person("admin")))
    assert response.status_code == 422


def test_formulas_never_reach_a_spreadsheet(db, resident, heard):
    from app.payments.schemas import settlement_csv

    report = services.SettlementReport(
        payee=services.Payee("merchant", "=HYPERLINK(1)"),
        date=(utcnow() - timedelta(days=1)).date(),
        currency="CNY",
        paid=Money(0),
        refunded=Money(0),
        payments_count=0,
        refunds_count=0,
    )
    assert "'=HYPERLINK(1)" in settlement_csv(report)


def test_a_merchant_owner_reads_the_settlement_of_their_own_shop_only(client, db, resident, heard):
    shop = uuid.uuid4()
    owner = make_merchant_owner(db, shop)
    pay(resident, 600, payee=services.Payee("merchant", str(shop)))
    run_sandbox()
    token = {"Authorization": f"Bearer {tokens.issue_access_token(owner, client_id='t', scopes=['openid'])}"}

    own = client.get(_url(services.Payee("merchant", str(shop))), headers=token)
    assert own.status_code == 200 and own.get_json()["paid"]["amount_fen"] == 600
    assert client.get(_url(MERCHANT), headers=token).status_code == 403


def make_merchant_owner(db, shop):
    person, _ = identity.get_or_create_person("+8613600000001", "店主")
    identity.grant_role(Actor.system(), person, "merchant_owner", merchant_id=shop)
    db.session.flush()
    return person
