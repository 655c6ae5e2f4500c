"""Bills from billers: bulk pushes idempotent by bill number, fetches, paid elsewhere, withdrawn."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.bills import notices
from app.bills.errors import (
    BillAlreadySettled,
)
from app.bills.models import (
    AccountStatus,
    Bill,
    Biller,
    BillStatus,
    UtilityAccount,
)
from app.bills.providers import adapter_for
from app.bills.services._shared import DOMAIN, PAID_ELSEWHERE, business_date
from app.bills.services.accounts import _own_account
from app.bills.services.bills import _require_confirmed, holders_of
from app.bills.services.registry import biller_for_client
from app.core.actors import Actor
from app.core.errors import NotFound, ValidationFailed
from app.core.models import add_new, utcnow
from app.core.money import Money
from app.extensions import db
from app.payments import services as payments


@dataclass
class PushOutcome:
    """What a bulk push did: each accepted bill and each refused item, with a reason."""

    accepted: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)


PUSH_REASONS = {
    "account-not-bound": _l("No resident has bound this account with Yimatong."),
    "bill-settled": _l("The bill was already paid or withdrawn; it can no longer change."),
    "payment-in-progress": _l("The resident is paying this bill right now; send the change later."),
    "account-mismatch": _l("This bill number belongs to another account."),
    "duplicate-in-request": _l("The same bill number appears twice in this request."),
}


def push_bills(actor: Actor, items: list[dict], errors: dict[int, dict] | None = None) -> PushOutcome:
    """Accept a biller's bills (new, changed or the same again), refusing each item it cannot take."""
    biller = biller_for_client(actor)
    outcome = PushOutcome()
    for index, messages in sorted((errors or {}).items()):
        outcome.refused.append(_refusal(index, None, "validation-failed", errors=messages))
    numbers = {item["account_number"] for item in items}
    bound = set(
        db.session.scalars(
            db.select(UtilityAccount.account_number).where(
                UtilityAccount.biller_id == biller.id,
                UtilityAccount.status == AccountStatus.CONFIRMED,
                UtilityAccount.account_number.in_(sorted(numbers)),
            )
        )
    )
    seen: set[str] = set()
    for item in items:
        if item["bill_no"] in seen:
            outcome.refused.append(_refusal(item["index"], item["bill_no"], "duplicate-in-request"))
            continue
        seen.add(item["bill_no"])
        if item["account_number"] not in bound:
            outcome.refused.append(_refusal(item["index"], item["bill_no"], "account-not-bound"))
            continue
        with db.session.begin_nested():
            result, bill = _upsert_bill(biller, item)
        if bill is None:
            outcome.refused.append(_refusal(item["index"], item["bill_no"], result))
        else:
            outcome.accepted.append(
                {"index": item["index"], "bill_no": bill.bill_no, "bill_id": bill.id, "result": result}
            )
    outcome.refused.sort(key=lambda refusal: refusal["index"])
    return outcome


def _refusal(index: int, bill_no: str | None, code: str, errors: dict | None = None) -> dict:
    reason = PUSH_REASONS.get(code, _l("Some fields are missing or invalid."))
    return {"index": index, "bill_no": bill_no, "code": code, "reason": str(reason), "errors": errors}


BILL_FIELDS = ("period", "amount_fen", "due_date", "line_items")


def _upsert_bill(biller: Biller, item: dict) -> tuple[str, Bill | None]:
    """Create the bill, or change it while unpaid; (result, bill) or (refusal code, None)."""
    values = {
        "period": item["period"],
        "amount_fen": item["amount"].fen,
        "due_date": item["due_date"],
        "line_items": item["line_items"],
    }
    bill = _bill_by_number(biller.id, item["bill_no"], lock=True)
    if bill is None:
        bill = Bill(biller_id=biller.id, bill_no=item["bill_no"], account_number=item["account_number"])
        bill.currency, bill.status = item["amount"].currency, BillStatus.UNPAID
        for name, value in values.items():
            setattr(bill, name, value)
        if not add_new(bill):  # the same bill pushed at the same moment by another request
            bill = _bill_by_number(biller.id, item["bill_no"], lock=True)
            return _change_bill(bill, item, values)
        notices.bill_issued(bill, holders_of(bill))
        return "created", bill
    return _change_bill(bill, item, values)


def _change_bill(bill: Bill, item: dict, values: dict) -> tuple[str, Bill | None]:
    if bill.account_number != item["account_number"]:
        return "account-mismatch", None
    if all(getattr(bill, name) == value for name, value in values.items()):
        return "unchanged", bill
    if bill.status != BillStatus.UNPAID:
        return "bill-settled", None
    if payments.active_intent_for(DOMAIN, str(bill.id)) is not None:
        return "payment-in-progress", None
    if values["due_date"] != bill.due_date:
        bill.reminded_at = bill.overdue_notified_at = None
    if values["amount_fen"] != bill.amount_fen and bill.autopay_state == "over_limit":
        bill.autopay_state = bill.autopay_at = None
    for name, value in values.items():
        setattr(bill, name, value)
    db.session.flush()
    return "updated", bill


def _bill_by_number(biller_id: uuid.UUID, bill_no: str, *, lock: bool = False) -> Bill | None:
    stmt = db.select(Bill).where(Bill.biller_id == biller_id, Bill.bill_no == bill_no)
    if lock:
        stmt = stmt.with_for_update(of=Bill).execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def biller_bill(actor: Actor, bill_no: str) -> Bill:
    """One of the calling biller's bills, by its bill number."""
    biller = biller_for_client(actor)
    bill = _bill_by_number(biller.id, bill_no)
    if bill is None:
        raise NotFound()
    return bill


def mark_paid_elsewhere(
    actor: Actor, bill_no: str, *, paid_at: datetime | None = None, note: str = ""
) -> Bill:
    """The biller says the bill was paid at its counter or another channel; the same call again is a no-op."""
    biller = biller_for_client(actor)
    bill = _bill_by_number(biller.id, bill_no, lock=True)
    if bill is None:
        raise NotFound()
    if bill.status == BillStatus.PAID and bill.paid_via == PAID_ELSEWHERE:
        return bill
    if bill.status != BillStatus.UNPAID:
        raise BillAlreadySettled()
    if payments.active_intent_for(DOMAIN, str(bill.id)) is not None:
        raise payments.PaymentInProgress(
            gettext("The resident is paying this bill through Yimatong right now.")
        )
    bill.status, bill.paid_via = BillStatus.PAID, PAID_ELSEWHERE
    bill.paid_at = min(paid_at or utcnow(), utcnow())
    bill.paid_elsewhere_note = note.strip()[:120] or None
    db.session.flush()
    return bill


def cancel_bill(actor: Actor, bill_no: str) -> Bill:
    """The biller withdraws an unpaid bill (issued in error); the same call again is a no-op."""
    biller = biller_for_client(actor)
    bill = _bill_by_number(biller.id, bill_no, lock=True)
    if bill is None:
        raise NotFound()
    if bill.status == BillStatus.CANCELLED:
        return bill
    if bill.status != BillStatus.UNPAID:
        raise BillAlreadySettled()
    if payments.active_intent_for(DOMAIN, str(bill.id)) is not None:
        raise payments.PaymentInProgress(
            gettext("The resident is paying this bill through Yimatong right now.")
        )
    bill.status, bill.cancelled_at = BillStatus.CANCELLED, utcnow()
    db.session.flush()
    return bill


def fetch_bills(actor: Actor, account_id: uuid.UUID) -> list[Bill]:
    """Ask the biller for the account's current bill now (billers that support fetching)."""
    account = _own_account(actor, account_id)
    _require_confirmed(account)
    biller = account.biller
    if not biller.supports_fetch:
        raise ValidationFailed({"account_id": [gettext("This biller does not support fetching bills.")]})
    fetched = adapter_for(biller).fetch_bill(biller, account.account_number, business_date())
    if fetched is not None:  # the biller answered at once
        item = {
            "bill_no": fetched.bill_no,
            "account_number": account.account_number,
            "period": fetched.period,
            "amount": Money(fetched.amount_fen),
            "due_date": fetched.due_date,
            "line_items": fetched.line_items,
        }
        with db.session.begin_nested():
            _upsert_bill(biller, item)
    else:
        notices.fetch_requested(account, utcnow())
    stmt = (
        db.select(Bill)
        .where(
            Bill.biller_id == biller.id,
            Bill.account_number == account.account_number,
            Bill.status == BillStatus.UNPAID,
        )
        .order_by(Bill.due_date, Bill.id)
    )
    return list(db.session.scalars(stmt))
