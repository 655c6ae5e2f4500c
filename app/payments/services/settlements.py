"""Daily settlement of a payee, computed from the ledger."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func

from app.core.actors import Actor
from app.core.models import utcnow
from app.core.money import Money
from app.extensions import db
from app.payments import ledger, policies
from app.payments.models import (
    LedgerJournal,
    PaymentIntent,
)
from app.payments.services._shared import SUBSIDY_PROVIDER
from app.payments.services.purposes import Payee


@dataclass(frozen=True)
class SettlementLine:
    """One booked payment or refund of a payee's day."""

    journal_id: uuid.UUID
    kind: str
    intent_id: uuid.UUID
    purpose_domain: str
    purpose_ids: list
    amount: Money
    booked_at: datetime


@dataclass(frozen=True)
class SettlementReport:
    """A payee's totals for one Asia/Shanghai business day, from the ledger."""

    payee: Payee
    date: date
    currency: str
    paid: Money
    refunded: Money
    payments_count: int
    refunds_count: int
    lines: list[SettlementLine] = field(default_factory=list)

    @property
    def net(self) -> Money:
        """Paid minus refunded."""
        return self.paid - self.refunded


def settlement_report(
    actor: Actor, payee: Payee, day: date | None = None, *, currency: str = "CNY", with_lines: bool = False
) -> SettlementReport:
    """A payee's daily settlement: what was paid and refunded, for finance staff or the payee's client."""
    policies.require_settlement_reader(actor, payee.kind, payee.id)
    day = day or ledger.business_date(utcnow())
    journals = (
        LedgerJournal.payee_kind == payee.kind,
        LedgerJournal.payee_id == payee.id,
        LedgerJournal.business_date == day,
        LedgerJournal.currency == currency,
    )
    totals = {
        kind: (count, total)
        for kind, count, total in db.session.execute(
            db.select(LedgerJournal.kind, func.count(), func.coalesce(func.sum(LedgerJournal.amount_fen), 0))
            .where(*journals)
            .group_by(LedgerJournal.kind)
        )
    }
    paid_count, paid = totals.get(ledger.PAYMENT, (0, 0))
    refunds_count, refunded = totals.get(ledger.REFUND, (0, 0))
    return SettlementReport(
        payee=payee,
        date=day,
        currency=currency,
        paid=Money(int(paid), currency),
        refunded=Money(int(refunded), currency),
        payments_count=paid_count,
        refunds_count=refunds_count,
        lines=_settlement_lines(journals) if with_lines else [],
    )


def _settlement_lines(journals) -> list[SettlementLine]:
    rows = db.session.execute(
        db.select(LedgerJournal, PaymentIntent.purpose_domain, PaymentIntent.purpose_ids)
        .join(PaymentIntent, PaymentIntent.id == LedgerJournal.intent_id)
        .where(*journals)
        .order_by(LedgerJournal.booked_at, LedgerJournal.id)
    )
    return [
        SettlementLine(
            journal_id=journal.id,
            kind=journal.kind,
            intent_id=journal.intent_id,
            purpose_domain=domain,
            purpose_ids=list(ids),
            amount=Money(journal.amount_fen, journal.currency),
            booked_at=journal.booked_at,
        )
        for journal, domain, ids in rows
    ]


@dataclass(frozen=True)
class DailyTotals:
    """A payee's booked payments and refunds of one business day."""

    date: date
    paid_fen: int
    refunded_fen: int
    payments_count: int
    refunds_count: int
    subsidy_fen: int = 0  # the part of ``paid_fen`` paid from subsidy funds (elders' care vouchers)
    subsidy_count: int = 0


def daily_totals(
    actor: Actor, payee: Payee, start: date, end: date, *, currency: str = "CNY"
) -> dict[date, DailyTotals]:
    """A payee's totals per business day in [start, end] (days with nothing booked are absent).

    One range of ``ix_ledger_journals_payee_day`` grouped by day, kind and whether a subsidy fund paid;
    the caller bounds the range.
    """
    policies.require_settlement_reader(actor, payee.kind, payee.id)
    from_subsidy = PaymentIntent.provider == SUBSIDY_PROVIDER
    rows = db.session.execute(
        db.select(
            LedgerJournal.business_date,
            LedgerJournal.kind,
            from_subsidy,
            func.count(),
            func.coalesce(func.sum(LedgerJournal.amount_fen), 0),
        )
        .join(PaymentIntent, PaymentIntent.id == LedgerJournal.intent_id)
        .where(
            LedgerJournal.payee_kind == payee.kind,
            LedgerJournal.payee_id == payee.id,
            LedgerJournal.business_date >= start,
            LedgerJournal.business_date <= end,
            LedgerJournal.currency == currency,
        )
        .group_by(LedgerJournal.business_date, LedgerJournal.kind, from_subsidy)
    )
    found: dict[date, dict] = {}
    for day, kind, subsidised, count, total in rows:
        key = "subsidy" if kind == ledger.PAYMENT and subsidised else kind
        count_before, total_before = found.setdefault(day, {}).get(key, (0, 0))
        found[day][key] = (count_before + count, total_before + int(total))
    return {day: _day_totals(day, kinds) for day, kinds in found.items()}


def _day_totals(day: date, kinds: dict) -> DailyTotals:
    paid_count, paid = kinds.get(ledger.PAYMENT, (0, 0))
    subsidy_count, subsidy = kinds.get("subsidy", (0, 0))
    refunds_count, refunded = kinds.get(ledger.REFUND, (0, 0))
    return DailyTotals(
        date=day,
        paid_fen=paid + subsidy,
        refunded_fen=refunded,
        payments_count=paid_count + subsidy_count,
        refunds_count=refunds_count,
        subsidy_fen=subsidy,
        subsidy_count=subsidy_count,
    )
