"""A merchant's settlement by business day: what residents paid, the care subsidy, refunds, the net.

The care subsidy (what elders' vouchers paid for completed orders of subsidy-eligible listings, from
the subsidy fund) is shown apart from what residents paid.

The figures are the payments ledger's (every settled payment and every refund is booked there once,
on its Asia/Shanghai business day), read for the merchant as payee in one grouped range; days with
nothing booked are shown as zero so a week reads as a week. Its owners read it; staff members and
anyone else are refused (404 for a merchant they do not work for).
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext

from app.commerce.services._shared import OWNER, merchant_for_member
from app.core.actors import Actor
from app.core.calendar import business_date
from app.core.errors import ValidationFailed
from app.core.models import utcnow
from app.core.money import Money
from app.payments import services as payments

LONGEST_DAYS = 92  # a quarter at most per request
CURRENCY = "CNY"


@dataclass(frozen=True)
class SettlementDay:
    """One business day: residents' payments, the care subsidy, refunds and what is left."""

    date: date
    paid: Money
    refunded: Money
    paid_orders: int
    refunds: int
    subsidy: Money
    subsidised_orders: int

    @property
    def net(self) -> Money:
        """Paid and subsidy minus refunded (negative when refunds of earlier orders outweigh the day)."""
        return self.paid + self.subsidy - self.refunded


@dataclass
class Settlement:
    """A merchant's days in [start, end], oldest first, and their totals."""

    merchant_id: uuid.UUID
    merchant_name: str
    start: date
    end: date
    days: list[SettlementDay] = field(default_factory=list)

    @property
    def paid(self) -> Money:
        """Paid over the period."""
        return Money.total([d.paid for d in self.days], CURRENCY)

    @property
    def refunded(self) -> Money:
        """Refunded over the period."""
        return Money.total([d.refunded for d in self.days], CURRENCY)

    @property
    def subsidy(self) -> Money:
        """Paid from elders' care vouchers over the period."""
        return Money.total([d.subsidy for d in self.days], CURRENCY)

    @property
    def subsidised_orders(self) -> int:
        """Orders the care subsidy paid for over the period."""
        return sum(d.subsidised_orders for d in self.days)

    @property
    def net(self) -> Money:
        """Paid and subsidy minus refunded over the period."""
        return self.paid + self.subsidy - self.refunded

    @property
    def paid_orders(self) -> int:
        """Orders paid over the period."""
        return sum(d.paid_orders for d in self.days)

    @property
    def refunds(self) -> int:
        """Refunds over the period."""
        return sum(d.refunds for d in self.days)


def default_period(today: date) -> tuple[date, date]:
    """This month so far: its first day to ``today``."""
    return today.replace(day=1), today


def settlement_by_day(
    actor: Actor, merchant_id: uuid.UUID, start: date | None = None, end: date | None = None
) -> Settlement:
    """The merchant's settlement per business day in [start, end] (default: this month so far)."""
    merchant = merchant_for_member(actor, merchant_id, OWNER)
    if start is None or end is None:
        start, end = default_period(business_date(utcnow()))
    _check_period(start, end)
    found = payments.daily_totals(
        actor, payments.Payee("merchant", str(merchant.id)), start, end, currency=CURRENCY
    )
    settlement = Settlement(merchant_id=merchant.id, merchant_name=merchant.name, start=start, end=end)
    day = start
    while day <= end:
        totals = found.get(day)
        settlement.days.append(_day(day, totals))
        day += timedelta(days=1)
    return settlement


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed({"end": [gettext("The end comes before the start.")]})
    if (end - start).days >= LONGEST_DAYS:
        raise ValidationFailed({"end": [gettext("A period lasts at most %(days)d days.", days=LONGEST_DAYS)]})


def _day(day: date, totals) -> SettlementDay:
    if totals is None:
        return SettlementDay(day, Money(0, CURRENCY), Money(0, CURRENCY), 0, 0, Money(0, CURRENCY), 0)
    return SettlementDay(
        date=day,
        paid=Money(totals.paid_fen - totals.subsidy_fen, CURRENCY),
        refunded=Money(totals.refunded_fen, CURRENCY),
        paid_orders=totals.payments_count - totals.subsidy_count,
        refunds=totals.refunds_count,
        subsidy=Money(totals.subsidy_fen, CURRENCY),
        subsidised_orders=totals.subsidy_count,
    )


CSV_COLUMNS = (
    "date", "paid_orders", "paid_yuan", "subsidised_orders", "subsidy_yuan",
    "refunds", "refunded_yuan", "net_yuan",
)  # fmt: skip


def settlement_csv(settlement: Settlement) -> str:
    """One row per day then the totals, amounts in yuan; UTF-8 with a BOM for spreadsheet programs."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["merchant", settlement.merchant_name])
    writer.writerow(["period", f"{settlement.start.isoformat()}..{settlement.end.isoformat()}"])
    writer.writerow(CSV_COLUMNS)
    for day in settlement.days:
        writer.writerow(_csv_row(day.date.isoformat(), day))
    writer.writerow(_csv_row("total", settlement))
    return "\ufeff" + buffer.getvalue()


def _csv_row(label: str, figures) -> list:
    return [
        label,
        figures.paid_orders,
        f"{figures.paid.to_yuan():.2f}",
        figures.subsidised_orders,
        f"{figures.subsidy.to_yuan():.2f}",
        figures.refunds,
        f"{figures.refunded.to_yuan():.2f}",
        f"{figures.net.to_yuan():.2f}",
    ]
