"""A resident's bills: which they see, which are overdue, which payment settled one."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from flask_babel import format_date, gettext, ngettext
from sqlalchemy import Date, bindparam, case, func, tuple_

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
from app.core.cards import Card, Urgency, folded
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


# Built once: the home folds it with the other domains' into one statement (app.core.cards.folded).
_DUE = bindparam("today", type_=Date)
_OVERDUE = Bill.due_date < _DUE


def _home_statement():
    soon = Bill.due_date >= _DUE
    return (
        db.select(
            func.count(case((_OVERDUE, 1))),
            func.coalesce(func.sum(case((_OVERDUE, Bill.amount_fen))), 0),
            func.min(case((_OVERDUE, Bill.due_date))),
            func.count(case((soon, 1))),
            func.coalesce(func.sum(case((soon, Bill.amount_fen))), 0),
            func.min(case((soon, Bill.due_date))),
            func.min(Bill.currency),
            func.max(Bill.currency),
        )
        .select_from(Bill)
        .join(
            UtilityAccount,
            (UtilityAccount.biller_id == Bill.biller_id)
            & (UtilityAccount.account_number == Bill.account_number),
        )
        .where(
            UtilityAccount.person_id == bindparam("person_id"),
            UtilityAccount.status == AccountStatus.CONFIRMED,
            Bill.status == BillStatus.UNPAID,
            Bill.due_date <= bindparam("horizon", type_=Date),
        )
    )


def _home_params(now: datetime) -> dict:
    today = business_date(now)
    return {"today": today, "horizon": today + timedelta(days=HOME_HORIZON_DAYS)}


@folded(_home_statement(), params=_home_params)
def home_cards(row: tuple, person_id: uuid.UUID, now: datetime) -> list[Card]:
    """Bills overdue and bills due within the week, of the accounts the person holds (one query)."""
    overdue, overdue_fen, first_overdue, soon, soon_fen, first_soon, currency, other = row
    if currency != other:  # never mixed today; summing them would be wrong
        raise ValueError(f"bills of one resident in {currency} and {other}")
    today = business_date(now)
    cards = []
    if overdue:
        total = Money(int(overdue_fen), currency)
        cards.append(
            Card(
                "bills",
                "bills_overdue",
                Urgency.NOW,
                ngettext("%(num)d bill overdue", "%(num)d bills overdue", overdue),
                gettext("%(amount)s in all; please pay soon.", amount=total.format()),
                count=overdue,
                due_at=_start_of(first_overdue),
                amount=total,
                target="/api/v1/bills?status=overdue",
            )
        )
    if soon:
        total = Money(int(soon_fen), currency)
        cards.append(
            Card(
                "bills",
                "bills_due",
                Urgency.TODAY if first_soon == today else Urgency.SOON,
                ngettext("%(num)d bill due soon", "%(num)d bills due soon", soon),
                gettext(
                    "%(amount)s, the first due %(date)s.", amount=total.format(), date=format_date(first_soon)
                ),
                count=soon,
                due_at=_start_of(first_soon),
                amount=total,
                target="/api/v1/bills?status=unpaid",
            )
        )
    return cards


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)
