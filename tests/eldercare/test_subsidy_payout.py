"""The care subsidy a verified visit takes from the voucher is paid to the provider through the ledger, once.

The street office and civil affairs read what each provider redeemed; the ledger balances and money
moves once however often the visit's end is retried (PostgreSQL, real concurrent connections).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.city.demo import seed_city
from app.core import clock
from app.core.actors import Actor, ActorKind, Role
from app.core.geo import Point
from app.core.money import Money
from app.eldercare import services
from app.eldercare.models import CareVisit, CareVoucher
from app.extensions import db
from app.identity import clients
from app.identity import services as identity
from app.payments import ledger
from app.payments import services as payments
from app.payments.models import LedgerJournal, PaymentIntent
from tests.eldercare import helpers
from tests.transit.helpers import code_for, scanner_headers

PROVIDER, OTHER_PROVIDER = "test-care-provider", "test-care-provider-2"
VISITS = "/api/v1/eldercare/provider/visits"
REPORT = "/api/v1/staff/eldercare/subsidies"
DOOR = {"lat": 26.5565, "lng": 106.6910, "coord_system": "gcj02"}


def _provider(client, client_id=PROVIDER, name="颐康居家养老") -> dict:
    if clients.client_by_id(client_id) is None:
        clients.register_client("care_provider", name, client_id=client_id, secret=f"{client_id}-secret")
    return scanner_headers(client, client_id)


def _visit(client, family, client_id, name, ref, service) -> dict:
    elder = family["elder"]
    body = {
        "visit_ref": ref,
        "service": service,
        "caregiver": "赵护工",
        "code": code_for(elder),
        "location": DOOR,
    }
    started = client.post(VISITS, json=body, headers=_provider(client, client_id, name))
    assert started.status_code == 201, started.get_json()
    with clock.frozen(helpers.DAYTIME + timedelta(minutes=60)):
        end = f"{VISITS}/{started.get_json()['id']}/end"
        ended = client.post(
            end, json={"code": code_for(elder), "location": DOOR}, headers=_provider(client, client_id, name)
        )
    assert ended.status_code == 200, ended.get_json()
    return ended.get_json()


def test_a_verified_visit_pays_the_provider_through_the_ledger_and_the_street_office_reads_it(
    client, auth, family, make_person
):
    seed_city()
    elder, worker = family["elder"], family["worker"]
    url = f"/api/v1/staff/eldercare/elders/{elder.id}/voucher"
    assert client.post(url, json={"amount": {"amount_fen": 6000}}, headers=auth(worker)).status_code == 200
    cleaning = _visit(client, family, PROVIDER, "颐康居家养老", "V-1", "cleaning")  # 40 yuan
    meal = _visit(client, family, OTHER_PROVIDER, "社区长者食堂", "M-1", "meal_help")  # 10 yuan
    assert cleaning["subsidy"]["amount_fen"] == 4000 and cleaning["payment_id"]
    assert meal["subsidy"]["amount_fen"] == 1000

    with clock.frozen(helpers.DAYTIME + timedelta(hours=2)):
        payment = client.get(f"/api/v1/payments/{cleaning['payment_id']}", headers=auth(elder)).get_json()
        assert (payment["status"], payment["amount"]["amount_fen"]) == ("succeeded", 4000)
        assert payment["payee"] == {"kind": "care_provider", "id": PROVIDER}
        assert payment["purpose"]["domain"] == "eldercare_subsidy"
        day = helpers.DAYTIME.date().isoformat()
        query = {"start": day, "end": day}
        as_office = client.get(REPORT, query_string=query, headers=auth(worker))
        civil = make_person("department_handler", department="city-civil-affairs", name="民政承办人")
        as_civil = client.get(REPORT, query_string=query, headers=auth(civil))
        urban = make_person("department_handler", department="city-urban-management", name="城管承办人")
        as_urban = client.get(REPORT, query_string=query, headers=auth(urban))
        as_elder = client.get(REPORT, query_string=query, headers=auth(elder))
        too_long = client.get(REPORT, query_string={"start": "2025-01-01", "end": day}, headers=auth(worker))
        admin = make_person("admin", name="财务")
        settlement = client.get(
            "/api/v1/payments/settlements",
            query_string={"payee_kind": "care_provider", "payee_id": PROVIDER, "date": day},
            headers=auth(admin),
        ).get_json()
        refund = client.post(
            f"/api/v1/payments/{cleaning['payment_id']}/refunds",
            json={"amount": {"amount_fen": 100}, "reason": "试退"},
            headers=auth(admin, **{"Idempotency-Key": "subsidy-refund"}),
        )
    assert as_office.status_code == 200, as_office.get_json()
    report = as_office.get_json()
    assert report["total"]["amount_fen"] == 5000
    assert [
        (p["client_id"], p["name"], p["payments_count"], p["amount"]["amount_fen"])
        for p in report["providers"]
    ] == [
        (PROVIDER, "颐康居家养老", 1, 4000),
        (OTHER_PROVIDER, "社区长者食堂", 1, 1000),
    ]
    assert as_civil.status_code == 200 and as_civil.get_json() == report
    assert as_urban.status_code == 403 and as_elder.status_code in (401, 403)
    assert too_long.status_code == 422
    assert (settlement["paid"]["amount_fen"], settlement["payments_count"]) == (4000, 1)
    assert refund.status_code == 409 and refund.get_json()["code"] == "payment-not-refundable"
    assert ledger.account_balance(ledger.payee_payable("care_provider", PROVIDER)) == -4000
    assert ledger.account_balance(ledger.subsidy_fund("eldercare_voucher")) == 5000
    assert ledger.unbalanced_journal_ids() == []


def test_a_visit_the_voucher_pays_nothing_for_moves_no_money(client, auth, family):
    visit = _visit(client, family, PROVIDER, "颐康居家养老", "V-empty", "cleaning")  # nothing granted yet
    assert visit["subsidy"]["amount_fen"] == 0 and visit["payment_id"] is None
    assert db.session.scalar(db.select(db.func.count()).select_from(LedgerJournal)) == 0


def test_paying_the_same_visit_again_returns_the_first_payment(family):
    elder = family["elder"]
    payee = payments.Payee("care_provider", PROVIDER)
    purpose = payments.Purpose("eldercare_subsidy", ("visit-x",))
    first = payments.pay_from_subsidy(elder.id, payee, Money(500), purpose, "k-1", fund="eldercare_voucher")
    again = payments.pay_from_subsidy(elder.id, payee, Money(500), purpose, "k-1", fund="eldercare_voucher")
    other_key = payments.pay_from_subsidy(
        elder.id, payee, Money(500), purpose, "k-2", fund="eldercare_voucher"
    )
    assert first.id == again.id == other_key.id
    assert db.session.scalar(db.select(db.func.count()).select_from(LedgerJournal)) == 1


@pytest.mark.postgres
def test_a_visit_ended_four_times_at_once_pays_its_provider_once(committed):
    elder = committed.person("并发老人")
    worker = committed.person("并发社工")
    provider = Actor(
        kind=ActorKind.CLIENT,
        client_id="race-payout",
        scopes=frozenset({"eldercare:visits", "citycode:verify"}),
    )

    def setup():
        if clients.client_by_id("race-payout") is None:
            clients.register_client("care_provider", "并发养老", client_id="race-payout")
        identity.grant_role(Actor.system(), identity.get_person(worker.id), Role.COMMUNITY_WORKER)
        identity.verify_real_name(helpers.person_actor(elder), "并发老人", helpers.national_id())
        services.save_profile(
            helpers.person_actor(elder), living_situation="alone", care_level="assisted", conditions=[],
            emergency_contacts=[], checkin_by=None, worker_phone=worker.phone,
        )  # fmt: skip
        as_worker = Actor(
            kind=ActorKind.PERSON, person_id=worker.id, roles=frozenset({Role.COMMUNITY_WORKER})
        )
        services.top_up_voucher(as_worker, elder.id, Money(10_000))
        return services.start_visit(
            provider, visit_ref="race-payout-1", service="cleaning", caregiver="护工",
            code=code_for(elder), location=Point(26.5, 106.6),
        ).id  # fmt: skip

    visit_id = committed.run(setup)

    def end(_i):
        return services.end_visit(
            provider, visit_id, code=code_for(elder), location=Point(26.5, 106.6)
        ).payment_id

    results = committed.concurrently(4, end)
    paid = [r for r in results if not isinstance(r, Exception)]
    assert len(paid) == 1, results  # the others are told the visit already ended
    assert committed.run(lambda: db.session.get(CareVoucher, elder.id).balance_fen) == 6000
    assert committed.count(PaymentIntent, PaymentIntent.payee_id == "race-payout") == 1
    journals = committed.count(
        LedgerJournal, LedgerJournal.payee_id == "race-payout", LedgerJournal.payee_kind == "care_provider"
    )
    assert journals == 1
    assert committed.run(lambda: db.session.get(CareVisit, visit_id).payment_id) == paid[0]


@pytest.mark.postgres
def test_the_same_subsidy_paid_four_times_at_once_moves_money_once(committed):
    elder = committed.person("并发老人")
    payee = payments.Payee("care_provider", "race-direct")
    purpose = payments.Purpose("eldercare_subsidy", ("race-direct-visit",))

    def pay(i):
        key = f"race-direct-{i % 2}"  # two retries with one key, two with another: one purpose
        return payments.pay_from_subsidy(
            elder.id, payee, Money(4000), purpose, key, fund="eldercare_voucher"
        ).id

    results = committed.concurrently(4, pay)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    assert committed.count(PaymentIntent, PaymentIntent.payee_id == "race-direct") == 1
    assert committed.count(LedgerJournal, LedgerJournal.payee_id == "race-direct") == 1
