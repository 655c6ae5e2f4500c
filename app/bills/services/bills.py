"""A resident's bills: which they see, which are overdue, which payment settled one."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from flask_babel import format_date, gettext, ngettext
from sqlalchemy import bindparam, tuple_

from app.bills.errors import (
    AccountNotReady,
)
from app.bills.models import (
    AccountStatus,
    Bill,
    BillStatus,
    UtilityAccount,
)
from app.bills.services._shared import DOMAIN, MANDATE_SCOPE, business_date
from app.bills.services.accounts import _own_account
from app.core import access
from app.core.actors import Actor
from app.core.calendar import SHANGHAI
from app.core.cards import Card, Urgency
from app.core.money import Money
from app.core.pagination import Page, paginate
from app.core.views import WithFacts, with_facts
from app.extensions import db
from app.payments import services as payments


def _require_confirmed(account: UtilityAccount) -> None:
    if account.status != AccountStatus.CONFIRMED:
        raise AccountNotReady()


def _bound_to(resident_id: uuid.UUID):
    """SQL: the bill's account is bound (and confirmed) by this resident."""
    return (
        db.select(UtilityAccount.id)
        .where(
            UtilityAccount.person_id == resident_id,
            UtilityAccount.biller_id == Bill.biller_id,
            UtilityAccount.account_number == Bill.account_number,
            UtilityAccount.status == AccountStatus.CONFIRMED,
        )
        .exists()
    )


def _account_keys(resident_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """(biller, account number) of each account the resident has bound and the biller confirmed."""
    rows = db.session.execute(
        db.select(UtilityAccount.biller_id, UtilityAccount.account_number).where(
            UtilityAccount.person_id == resident_id, UtilityAccount.status == AccountStatus.CONFIRMED
        )
    )
    return [tuple(row) for row in rows]


def list_bills(
    actor: Actor,
    *,
    cursor: str | None,
    limit: int,
    status: str | None = None,
    account_id: uuid.UUID | None = None,
) -> Page:
    """The bills of the resident's accounts, newest first, by status (overdue: unpaid past the due date)."""
    resident = access.list_owner(actor, MANDATE_SCOPE, "bill")
    stmt = db.select(Bill).where(tuple_(Bill.biller_id, Bill.account_number).in_(_account_keys(resident)))
    if account_id is not None:
        account = _own_account(actor, account_id)
        stmt = stmt.where(Bill.biller_id == account.biller_id, Bill.account_number == account.account_number)
    if status == "overdue":
        stmt = stmt.where(Bill.status == BillStatus.UNPAID, Bill.due_date < business_date())
    elif status is not None:
        stmt = stmt.where(Bill.status == status)
    return paginate(stmt, Bill.id, cursor=cursor, limit=limit)


def get_bill(actor: Actor, bill_id: uuid.UUID) -> Bill:
    """One bill of the resident's accounts (404 for anyone else's)."""
    return access.load_private(actor, Bill, bill_id, scope=MANDATE_SCOPE, owner=holders_of)


def bill_detail(actor: Actor, bill_id: uuid.UUID) -> WithFacts:
    """One bill with the payment that holds it now (pending or succeeded), if any."""
    bill = get_bill(actor, bill_id)
    return with_facts(bill, payment=payment_of(bill))


def holders_of(bill: Bill) -> list[uuid.UUID]:
    """Who has bound (and the biller confirmed) the bill's account: whom its notices go to."""
    return list(
        db.session.scalars(
            db.select(UtilityAccount.person_id)
            .where(
                UtilityAccount.biller_id == bill.biller_id,
                UtilityAccount.account_number == bill.account_number,
                UtilityAccount.status == AccountStatus.CONFIRMED,
            )
            .order_by(UtilityAccount.person_id)
        )
    )


def payment_of(bill: Bill):
    """The payment that holds the bill now (pending or succeeded), if any."""
    return payments.active_intent_for(DOMAIN, str(bill.id))


HOME_HORIZON_DAYS = 7  # bills due within this many days are on the resident's home


# Built once: the home runs it on every visit (see docs/adding-a-domain.md, "hot statements").
_HOME_BILLS = (
    db.select(Bill.due_date, Bill.amount_fen, Bill.currency)
    .join(
        UtilityAccount,
        (UtilityAccount.biller_id == Bill.biller_id) & (UtilityAccount.account_number == Bill.account_number),
    )
    .where(
        UtilityAccount.person_id == bindparam("person_id"),
        UtilityAccount.status == AccountStatus.CONFIRMED,
        Bill.status == BillStatus.UNPAID,
        Bill.due_date <= bindparam("horizon"),
    )
)


def home_cards(person_id: uuid.UUID) -> list[Card]:
    """Bills overdue and bills due within the week, of the accounts the person holds (one query)."""
    today = business_date()
    horizon = today + timedelta(days=HOME_HORIZON_DAYS)
    rows = db.session.execute(_HOME_BILLS, {"person_id": person_id, "horizon": horizon}).all()
    overdue = [row for row in rows if row.due_date < today]
    soon = [row for row in rows if row.due_date >= today]
    cards = []
    if overdue:
        total = Money.total([Money(row.amount_fen, row.currency) for row in overdue])
        cards.append(
            Card(
                "bills",
                "bills_overdue",
                Urgency.NOW,
                ngettext("%(num)d bill overdue", "%(num)d bills overdue", len(overdue)),
                gettext("%(amount)s in all; please pay soon.", amount=total.format()),
                count=len(overdue),
                due_at=_start_of(min(row.due_date for row in overdue)),
                amount=total,
                target="/api/v1/bills?status=overdue",
            )
        )
    if soon:
        total = Money.total([Money(row.amount_fen, row.currency) for row in soon])
        first = min(row.due_date for row in soon)
        cards.append(
            Card(
                "bills",
                "bills_due",
                Urgency.TODAY if first == today else Urgency.SOON,
                ngettext("%(num)d bill due soon", "%(num)d bills due soon", len(soon)),
                gettext(
                    "%(amount)s, the first due %(date)s.", amount=total.format(), date=format_date(first)
                ),
                count=len(soon),
                due_at=_start_of(first),
                amount=total,
                target="/api/v1/bills?status=unpaid",
            )
        )
    return cards


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)
