"""The ledger: balanced journals, each written once, on the right Asia/Shanghai business day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from app.core.actors import Actor
from app.core.money import Money
from app.payments import ledger, services
from app.payments.models import LedgerEntry, LedgerJournal, PaymentIntent
from tests.payments.helpers import MERCHANT, pay, run_sandbox


def test_an_unbalanced_journal_is_never_written():
    with pytest.raises(ledger.UnbalancedJournal):
        ledger.check_balanced([ledger.Line("a", debit_fen=100), ledger.Line("b", credit_fen=99)])
    with pytest.raises(ledger.UnbalancedJournal):
        ledger.check_balanced([ledger.Line("a", debit_fen=100, credit_fen=100)])
    with pytest.raises(ledger.UnbalancedJournal):
        ledger.check_balanced([ledger.Line("a", debit_fen=-5), ledger.Line("b", credit_fen=-5)])
    assert ledger.check_balanced([ledger.Line("a", debit_fen=7), ledger.Line("b", credit_fen=7)]) == 7


def test_a_settled_payment_is_booked_once(db, resident, heard):
    intent = pay(resident, 4_200)
    run_sandbox()
    intent = db.session.get(PaymentIntent, intent.id)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        ledger.post_payment(intent, intent.settled_at)
    assert ledger.unbalanced_journal_ids() == []


def test_the_database_refuses_unbalanced_totals(db, resident, heard):
    intent = pay(resident, 4_200)
    journal = LedgerJournal(
        kind="payment",
        source_id=intent.id,
        intent_id=intent.id,
        payee_kind="merchant",
        payee_id=MERCHANT.id,
        currency="CNY",
        amount_fen=100,
        total_debit_fen=100,
        total_credit_fen=99,
        booked_at=datetime.now(UTC),
        business_date=date.today(),
    )
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(journal)
        db.session.flush()


def test_the_ledger_check_finds_a_journal_whose_entries_do_not_balance(app, db, resident, heard):
    pay(resident, 4_200)
    run_sandbox()
    entry = db.session.scalar(db.select(LedgerEntry).where(LedgerEntry.debit_fen > 0))
    entry.debit_fen = 4_100
    db.session.flush()

    assert ledger.unbalanced_journal_ids() == [entry.journal_id]
    result = app.test_cli_runner().invoke(args=["payments", "ledger-check"])
    assert result.exit_code == 1 and str(entry.journal_id) in result.output


def test_provider_clearing_and_payee_accounts_add_up(db, resident, heard):
    first = pay(resident, 1_000)
    pay(resident, 2_500)
    run_sandbox()
    services.refund(Actor.system(), first.id, Money(400), "部分退款", "r1")

    assert ledger.account_balance("provider_clearing:sandbox") == 1_000 + 2_500 - 400
    assert ledger.account_balance(ledger.payee_payable("merchant", MERCHANT.id)) == -3_500
    assert ledger.account_balance(ledger.payee_refunds("merchant", MERCHANT.id)) == 400


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 11, 20, 15, 59, 59, tzinfo=UTC), date(2026, 11, 20)),
        (datetime(2026, 11, 20, 16, 0, 0, tzinfo=UTC), date(2026, 11, 21)),
    ],
)
def test_the_business_day_is_the_shanghai_date(moment, day):
    assert ledger.business_date(moment) == day
