"""The double-entry ledger: one balanced journal per settled payment and per refund, written once.

Accounts:

* ``provider_clearing:<provider>`` — money the provider holds for us (debited when it captures a
  payment, credited when it pays a refund out);
* ``payee_payable:<kind>:<id>`` — what we owe the payee for payments (credited on each payment);
* ``payee_refunds:<kind>:<id>`` — refunds given back on the payee's behalf (debited on each refund);
  the payee's net is ``payee_payable`` credits minus ``payee_refunds`` debits;
* ``subsidy_fund:<fund>`` — a public subsidy fund (the elders' care vouchers) paying a payee on a
  resident's behalf (debited on each such payment, which no provider carries).

A journal is refused unless its debits equal its credits (and the database checks the totals again);
``(kind, source_id)`` is unique, so a payment or refund can never be booked twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func

from app.core.calendar import business_date
from app.extensions import db
from app.payments.models import LedgerEntry, LedgerJournal, PaymentIntent, PaymentRefund

PAYMENT, REFUND = "payment", "refund"


class UnbalancedJournal(RuntimeError):
    """A journal whose debits and credits differ was about to be written: a bug, never stored."""


@dataclass(frozen=True)
class Line:
    """One side of a journal."""

    account: str
    debit_fen: int = 0
    credit_fen: int = 0


def provider_clearing(provider: str) -> str:
    """The clearing account of a provider."""
    return f"provider_clearing:{provider}"


def payee_payable(kind: str, payee_id: str) -> str:
    """What is owed to a payee."""
    return f"payee_payable:{kind}:{payee_id}"


def payee_refunds(kind: str, payee_id: str) -> str:
    """Refunds given back on a payee's behalf."""
    return f"payee_refunds:{kind}:{payee_id}"


def subsidy_fund(fund: str) -> str:
    """A public subsidy fund that pays on residents' behalf."""
    return f"subsidy_fund:{fund}"


def check_balanced(lines: list[Line]) -> int:
    """The journal's total; UnbalancedJournal unless each line is one-sided and debits equal credits."""
    for line in lines:
        one_sided = (line.debit_fen > 0) != (line.credit_fen > 0)
        if not one_sided or line.debit_fen < 0 or line.credit_fen < 0:
            raise UnbalancedJournal(f"line {line} must be a positive debit or a positive credit")
    debits = sum(line.debit_fen for line in lines)
    credits = sum(line.credit_fen for line in lines)
    if debits != credits or debits == 0:
        raise UnbalancedJournal(f"debits {debits} != credits {credits}")
    return debits


def post_journal(
    kind: str,
    source_id: uuid.UUID,
    intent: PaymentIntent,
    amount_fen: int,
    lines: list[Line],
    booked_at: datetime,
) -> LedgerJournal:
    """Write one balanced journal for ``amount_fen`` moved, in the caller's transaction."""
    total = check_balanced(lines)
    journal = LedgerJournal(
        kind=kind,
        source_id=source_id,
        intent_id=intent.id,
        payee_kind=intent.payee_kind,
        payee_id=intent.payee_id,
        currency=intent.currency,
        amount_fen=amount_fen,
        total_debit_fen=total,
        total_credit_fen=total,
        booked_at=booked_at,
        business_date=business_date(booked_at),
        entries=[
            LedgerEntry(account=x.account, debit_fen=x.debit_fen, credit_fen=x.credit_fen) for x in lines
        ],
    )
    db.session.add(journal)
    db.session.flush()
    return journal


def post_payment(intent: PaymentIntent, booked_at: datetime) -> LedgerJournal:
    """Book a captured payment: the provider holds the money, the payee is owed it."""
    amount = intent.amount_fen
    lines = [
        Line(provider_clearing(intent.provider), debit_fen=amount),
        Line(payee_payable(intent.payee_kind, intent.payee_id), credit_fen=amount),
    ]
    return post_journal(PAYMENT, intent.id, intent, amount, lines, booked_at)


def post_subsidy(intent: PaymentIntent, fund: str, booked_at: datetime) -> LedgerJournal:
    """Book a payment from a subsidy fund: the fund pays, the payee is owed it."""
    amount = intent.amount_fen
    lines = [
        Line(subsidy_fund(fund), debit_fen=amount),
        Line(payee_payable(intent.payee_kind, intent.payee_id), credit_fen=amount),
    ]
    return post_journal(PAYMENT, intent.id, intent, amount, lines, booked_at)


def post_refund(intent: PaymentIntent, refund: PaymentRefund, booked_at: datetime) -> LedgerJournal:
    """Book a refund paid out: charged to the payee's refunds, out of the provider's clearing."""
    lines = [
        Line(payee_refunds(intent.payee_kind, intent.payee_id), debit_fen=refund.amount_fen),
        Line(provider_clearing(intent.provider), credit_fen=refund.amount_fen),
    ]
    return post_journal(REFUND, refund.id, intent, refund.amount_fen, lines, booked_at)


def unbalanced_journal_ids() -> list[uuid.UUID]:
    """Journals whose entries do not add up to balanced totals (the ledger check; empty when sound)."""
    sums = (
        db.select(
            LedgerEntry.journal_id,
            func.sum(LedgerEntry.debit_fen).label("debits"),
            func.sum(LedgerEntry.credit_fen).label("credits"),
        )
        .group_by(LedgerEntry.journal_id)
        .subquery()
    )
    stmt = (
        db.select(LedgerJournal.id)
        .outerjoin(sums, sums.c.journal_id == LedgerJournal.id)
        .where(
            (sums.c.journal_id.is_(None))
            | (sums.c.debits != sums.c.credits)
            | (sums.c.debits != LedgerJournal.total_debit_fen)
        )
    )
    return list(db.session.scalars(stmt))


def account_balance(account: str, currency: str = "CNY") -> int:
    """Debits minus credits of one account, in fen."""
    stmt = (
        db.select(func.coalesce(func.sum(LedgerEntry.debit_fen - LedgerEntry.credit_fen), 0))
        .join(LedgerJournal, LedgerJournal.id == LedgerEntry.journal_id)
        .where(LedgerEntry.account == account, LedgerJournal.currency == currency)
    )
    return int(db.session.scalar(stmt))
