"""Utility bills (生活缴费): the biller registry, accounts, bills, payment, receipts, autopay, disputes.

Billers are institutional clients: a ``Biller`` row links a client_id to what the biller declares
(category, city, the fields that identify an account, fetch support, payment modes). Residents
bind accounts (户号); billers push bills for bound accounts; residents (or family members holding a
mandate with the ``bills`` scope) pay one or several bills of one biller in one payment intent. The
payments domain tells us, in its settling transaction, how each intent ended (:func:`install`).

Every request a family member makes under a mandate is written to the grantor's access log by the
API layer; what billers read or decide about a resident's data is written to it here.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import force_locale, get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, tuple_
from sqlalchemy.exc import IntegrityError, OperationalError

from app.bills import notices, sandbox
from app.bills.errors import (
    AccountAlreadyBound,
    AccountDecided,
    AccountNotConfirmed,
    AccountNotReady,
    BillAlreadySettled,
    BillCancelled,
    DisputeAnswered,
    DisputeExists,
    DisputeNotEscalatable,
    NotABiller,
    PaymentNotDisputable,
)
from app.bills.models import (
    AccountStatus,
    AutopayRule,
    Bill,
    BillDispute,
    Biller,
    BillerCategory,
    BillReceipt,
    BillStatus,
    Confirmation,
    DisputeKind,
    DisputeStatus,
    PaymentMode,
    UtilityAccount,
)
from app.complaints import services as complaints
from app.core import audit
from app.core.actors import Actor, ActorKind, MandateScope, Role
from app.core.calendar import SHANGHAI, load_calendar
from app.core.errors import NotFound, ValidationFailed
from app.core.models import utcnow
from app.core.money import Money
from app.core.pagination import Page, paginate
from app.core.pii import mask_name
from app.core.policy import acting_resident, private_resident, require_role, require_scope
from app.extensions import db
from app.identity import services as identity
from app.payments import services as payments

log = logging.getLogger(__name__)

DOMAIN = "bills"  # the payment purpose domain, and the mandate scope of 他人代缴
MANDATE_SCOPE = MandateScope.BILLS
WRITE_SCOPE = "bills:write"
BILLER_CLIENT_KIND = "biller"
PAID_HERE, PAID_ELSEWHERE = "yimatong", "elsewhere"
MAX_BILLS_PER_PAYMENT = 20
MAX_PUSH = 500
MAX_AUTOPAY_DAYS = 15
LOCK_NOT_AVAILABLE = "55P03"
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
DISPUTE_CATEGORY = "0703"  # 12345 category 公共事业缴费

DISPUTE_KIND_LABELS = {
    DisputeKind.NOT_CREDITED: _l("Paid but not credited"),
    DisputeKind.PAID_TWICE: _l("Paid twice"),
    DisputeKind.WRONG_AMOUNT: _l("Wrong amount"),
}
CATEGORY_LABELS = {
    BillerCategory.WATER: _l("Water"),
    BillerCategory.ELECTRICITY: _l("Electricity"),
    BillerCategory.GAS: _l("Gas"),
    BillerCategory.HEATING: _l("Heating"),
    BillerCategory.PROPERTY: _l("Property management"),
    BillerCategory.TELECOM: _l("Telecom"),
}


def install() -> None:
    """Register bills as a payment purpose: settled and refunded payments update their bills."""
    payments.register_purpose(DOMAIN, on_settled=on_payment_settled, on_refunded=on_payment_refunded)


def business_date(moment: datetime | None = None) -> date:
    """The Asia/Shanghai day a moment (now) belongs to."""
    return (moment or utcnow()).astimezone(SHANGHAI).date()


def mask_account(number: str) -> str:
    """``3201123456785678`` -> ``32**********5678``: enough for the holder to recognise, no more."""
    if len(number) >= 8:
        return number[:2] + "*" * (len(number) - 6) + number[-4:]
    keep = min(2, max(len(number) - 2, 0))
    return "*" * (len(number) - keep) + number[len(number) - keep :]


def _locale() -> str:
    return str(get_locale() or "zh_Hans")


# --- the biller registry ------------------------------------------------------------------------


def list_billers(*, category: str | None = None, city_code: str | None = None) -> list[Biller]:
    """Active billers, by city and category (anyone may read the registry)."""
    stmt = db.select(Biller).where(Biller.active).order_by(Biller.city_code, Biller.category, Biller.code)
    if category:
        stmt = stmt.where(Biller.category == category)
    if city_code:
        stmt = stmt.where(Biller.city_code == city_code)
    return list(db.session.scalars(stmt))


def all_billers(actor: Actor) -> list[Biller]:
    """Every biller, active or not (administrators)."""
    require_role(actor, Role.ADMIN)
    return list(
        db.session.scalars(db.select(Biller).order_by(Biller.city_code, Biller.category, Biller.code))
    )


def biller_by_code(code: str) -> Biller | None:
    """The biller registered under ``code``, if any."""
    return db.session.scalar(db.select(Biller).where(Biller.code == code))


def save_biller(actor: Actor, code: str, fields: dict) -> tuple[Biller, bool]:
    """Register or update a biller (administrators, or the system for the demo); returns (biller, created)."""
    if actor.kind is not ActorKind.SYSTEM:
        require_role(actor, Role.ADMIN)
    _check_account_fields(fields["account_fields"])
    client = identity.client_by_id(fields["client_id"])
    if client is None or client.kind != BILLER_CLIENT_KIND:
        message = gettext("Register the biller's client first, as an institution of kind biller.")
        raise ValidationFailed({"client_id": [message]})
    taken = db.session.scalar(
        db.select(Biller).where(Biller.client_id == fields["client_id"], Biller.code != code)
    )
    if taken is not None:
        raise ValidationFailed({"client_id": [gettext("Another biller already uses this client.")]})
    biller = biller_by_code(code)
    created = biller is None
    if created:
        biller = Biller(code=code)
        db.session.add(biller)
    for name, value in fields.items():
        setattr(biller, name, value)
    db.session.flush()
    return biller, created


def _check_account_fields(declared: list[dict]) -> None:
    names = [spec["name"] for spec in declared]
    errors = []
    if "account_number" not in names:
        errors.append(gettext("Declare the field account_number."))
    if len(set(names)) != len(names):
        errors.append(gettext("Field names must be unique."))
    for spec in declared:
        try:
            re.compile(spec["pattern"])
        except re.error:
            errors.append(gettext("Not a valid pattern: %(pattern)s", pattern=spec["pattern"]))
            continue
        if not re.fullmatch(spec["pattern"], spec["example"]):
            errors.append(gettext("The example of %(name)s does not match its pattern.", name=spec["name"]))
    if errors:
        raise ValidationFailed({"account_fields": errors})


def biller_for_client(actor: Actor) -> Biller:
    """The active biller the calling client is (403 for any other caller)."""
    if actor.kind is not ActorKind.CLIENT:
        raise NotABiller()
    require_scope(actor, WRITE_SCOPE)
    biller = db.session.scalar(db.select(Biller).where(Biller.client_id == actor.client_id, Biller.active))
    if biller is None:
        raise NotABiller()
    return biller


def _active_biller(biller_id: uuid.UUID) -> Biller:
    biller = db.session.get(Biller, biller_id)
    if biller is None or not biller.active:
        raise ValidationFailed({"biller_id": [gettext("Unknown biller.")]})
    return biller


# --- accounts (户号) ----------------------------------------------------------------------------


def list_accounts(actor: Actor) -> list[UtilityAccount]:
    """The accounts the resident (or the proxy's principal) has bound, oldest first."""
    resident = acting_resident(actor, MANDATE_SCOPE)
    stmt = db.select(UtilityAccount).where(UtilityAccount.person_id == resident).order_by(UtilityAccount.id)
    return list(db.session.scalars(stmt))


def get_account(actor: Actor, account_id: uuid.UUID) -> UtilityAccount:
    """One of the resident's accounts (404 for anyone else's)."""
    account = _own_account(actor, account_id)
    return account


def _own_account(actor: Actor, account_id: uuid.UUID, *, lock: bool = False) -> UtilityAccount:
    resident = private_resident(actor, MANDATE_SCOPE)
    stmt = db.select(UtilityAccount).where(UtilityAccount.id == account_id)
    if lock:
        stmt = stmt.with_for_update(of=UtilityAccount)
    account = db.session.scalar(stmt)
    if account is None or account.person_id != resident:
        raise NotFound()
    return account


def bind_account(
    actor: Actor, biller_id: uuid.UUID, fields: dict[str, str], holder_name: str, alias: str = ""
) -> UtilityAccount:
    """Bind an account after checking it against the biller's declared fields; the biller confirms it."""
    resident = acting_resident(actor, MANDATE_SCOPE)
    biller = _active_biller(biller_id)
    fields = _checked_fields(biller, fields)
    number = fields.pop("account_number")
    holder_name = holder_name.strip()
    if not holder_name:
        raise ValidationFailed({"holder_name": [gettext("Give the account holder's name.")]})
    account = db.session.scalar(
        db.select(UtilityAccount).where(
            UtilityAccount.person_id == resident,
            UtilityAccount.biller_id == biller.id,
            UtilityAccount.account_number == number,
        )
    )
    if account is not None and account.status != AccountStatus.REFUSED:
        raise AccountAlreadyBound()
    if biller.confirms_by == Confirmation.RULE and current_app.config["SANDBOX_PROVIDERS"]:
        check = sandbox.check_holder(number)
        if not check.confirmed:
            raise AccountNotConfirmed(check.reason, reason_code=check.reason_code)
    if account is None:
        account = UtilityAccount(person_id=resident, biller_id=biller.id, account_number=number)
        db.session.add(account)
    account.extra_fields, account.holder_name, account.alias = fields, holder_name, alias.strip()
    account.bound_by_id = actor.person_id
    account.refusal_reason = None
    if biller.confirms_by == Confirmation.RULE and current_app.config["SANDBOX_PROVIDERS"]:
        account.status, account.confirmed_at = AccountStatus.CONFIRMED, utcnow()
    else:
        account.status, account.confirmed_at = AccountStatus.PENDING, None
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AccountAlreadyBound() from None
    if account.status == AccountStatus.PENDING:
        notices.binding_requested(account, utcnow())
    return account


def _checked_fields(biller: Biller, given: dict[str, str]) -> dict[str, str]:
    """The given values of the biller's declared fields, each matching its declared format."""
    declared = {spec["name"]: spec for spec in biller.account_fields}
    errors: dict[str, list[str]] = {}
    for name in given:
        if name not in declared:
            errors[name] = [gettext("This biller does not ask for this field.")]
    values = {}
    for name, spec in declared.items():
        value = str(given.get(name, "")).strip()
        if not value:
            if spec.get("required", True) or name == "account_number":
                errors[name] = [gettext("This field is required.")]
            continue
        if len(value) > 64 or not re.fullmatch(spec["pattern"], value):
            errors[name] = [gettext("Does not look like this biller's format, e.g. %(example)s.", **spec)]
            continue
        values[name] = value
    if errors:
        raise ValidationFailed({"fields": errors})
    return values


def unbind_account(actor: Actor, account_id: uuid.UUID) -> None:
    """Remove a binding (and its autopay rule); bills already paid stay in the payment history."""
    account = _own_account(actor, account_id, lock=True)
    db.session.delete(account)
    db.session.flush()


def decide_binding(actor: Actor, account_id: uuid.UUID, confirmed: bool, reason: str = "") -> UtilityAccount:
    """The biller confirms or refuses that the resident holds the account (billers that confirm by API)."""
    biller = biller_for_client(actor)
    account = db.session.scalar(
        db.select(UtilityAccount).where(UtilityAccount.id == account_id).with_for_update(of=UtilityAccount)
    )
    if account is None or account.biller_id != biller.id:
        raise NotFound()
    if account.status != AccountStatus.PENDING:
        raise AccountDecided()
    if confirmed:
        account.status, account.confirmed_at = AccountStatus.CONFIRMED, utcnow()
    else:
        account.status = AccountStatus.REFUSED
        account.refusal_reason = (reason.strip() or gettext("The biller could not confirm this account."))[
            :200
        ]
    audit.record_access(actor, account.person_id, "change", "utility_account", reason="binding decision")
    db.session.flush()
    notices.account_decided(account, utcnow())
    return account


def pending_bindings(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """The bindings waiting for this biller's answer, oldest first."""
    biller = biller_for_client(actor)
    stmt = db.select(UtilityAccount).where(
        UtilityAccount.biller_id == biller.id, UtilityAccount.status == AccountStatus.PENDING
    )
    page = paginate(stmt, UtilityAccount.id, cursor=cursor, limit=limit, newest_first=False)
    for account in page.items:
        audit.record_access(actor, account.person_id, "read", "utility_account", reason="binding decision")
    return page


def holder_name_masked(account: UtilityAccount) -> str:
    """The holder's name as responses show it (张**)."""
    return mask_name(account.holder_name) or ""


# --- bills pushed by billers ------------------------------------------------------------------


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
        try:
            with db.session.begin_nested():
                db.session.add(bill)
                db.session.flush()
        except IntegrityError:  # the same bill pushed at the same moment by another request
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
    if biller.confirms_by == Confirmation.RULE and current_app.config["SANDBOX_PROVIDERS"]:
        fetched = sandbox.fetch_bill(account.account_number, business_date())
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


def _require_confirmed(account: UtilityAccount) -> None:
    if account.status != AccountStatus.CONFIRMED:
        raise AccountNotReady()


# --- bills as residents see them ----------------------------------------------------------------

BILL_FILTERS = ("unpaid", "overdue", "paid", "cancelled")


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
    resident = acting_resident(actor, MANDATE_SCOPE)
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
    resident = private_resident(actor, MANDATE_SCOPE)
    bill = db.session.scalar(db.select(Bill).where(Bill.id == bill_id, _bound_to(resident)))
    if bill is None:
        raise NotFound()
    return bill


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


def is_overdue(bill: Bill, today: date | None = None) -> bool:
    """Unpaid after its due date (Asia/Shanghai)."""
    return bill.status == BillStatus.UNPAID and bill.due_date < (today or business_date())


def payment_of(bill: Bill):
    """The payment that holds the bill now (pending or succeeded), if any."""
    return payments.active_intent_for(DOMAIN, str(bill.id))


# --- paying -----------------------------------------------------------------------------------


def pay_bills(actor: Actor, bill_ids: Iterable[uuid.UUID], idempotency_key: str):
    """Pay one or several bills of one biller in one payment intent (the same key returns the same one)."""
    payer_id = acting_resident(actor, MANDATE_SCOPE)
    ids = sorted(set(bill_ids))
    if not 1 <= len(ids) <= MAX_BILLS_PER_PAYMENT:
        message = gettext("Pay between 1 and %(max)s bills at once.", max=MAX_BILLS_PER_PAYMENT)
        raise ValidationFailed({"bill_ids": [message]})
    bills = _locked_bills(ids, visible_to=payer_id)
    if len(bills) != len(ids):
        raise NotFound()
    if len({bill.biller_id for bill in bills}) > 1:
        message = gettext("These bills belong to different billers: pay each biller's bills separately.")
        raise ValidationFailed({"bill_ids": [message]})
    if PaymentMode.APP not in bills[0].biller.payment_modes:
        raise ValidationFailed({"bill_ids": [gettext("This biller does not take payments in the app.")]})
    intent = _charge(actor, payer_id, bills, idempotency_key)
    return intent


def _locked_bills(ids: list[uuid.UUID], *, visible_to: uuid.UUID | None = None) -> list[Bill]:
    """The bills, locked for this transaction; another request holding one is told to retry (no waiting)."""
    stmt = (
        db.select(Bill)
        .where(Bill.id.in_(ids))
        .order_by(Bill.id)
        .with_for_update(of=Bill, nowait=True)
        .execution_options(populate_existing=True)
    )
    if visible_to is not None:
        stmt = stmt.where(_bound_to(visible_to))
    try:
        with db.session.begin_nested():
            return list(db.session.scalars(stmt).unique())
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
    settled = db.session.scalar(
        db.select(Bill.id).where(Bill.id.in_(ids), Bill.status == BillStatus.PAID).limit(1)
    )
    raise payments.AlreadyPaid() if settled else payments.PaymentInProgress()


def _charge(actor: Actor, payer_id: uuid.UUID, bills: list[Bill], key: str):
    for bill in bills:
        if bill.status == BillStatus.PAID:
            raise payments.AlreadyPaid()
        if bill.status == BillStatus.CANCELLED:
            raise BillCancelled()
    biller = bills[0].biller
    periods = ", ".join(sorted({bill.period for bill in bills}))
    return payments.create_intent(
        actor,
        payer_id,
        payments.Payee("biller", biller.client_id),
        Money.total([bill.amount for bill in bills]),
        payments.Purpose(DOMAIN, tuple(str(bill.id) for bill in bills)),
        key,
        description={locale: f"{name} {periods}" for locale, name in biller.names.items()},
    )


def on_payment_settled(outcome) -> None:
    """How a bills payment ended (in the settling transaction): mark its bills paid exactly once."""
    if outcome.status == payments.PaymentStatus.SUCCEEDED:
        _mark_paid(outcome)
    elif outcome.status == payments.PaymentStatus.FAILED:
        autopaid = db.session.scalars(db.select(Bill).where(Bill.autopay_payment_id == outcome.intent_id))
        for bill in autopaid:
            notices.autopay_failed(bill, outcome.payer_id, outcome.intent_id)


def _mark_paid(outcome) -> None:
    bills = list(
        db.session.scalars(
            db.select(Bill)
            .where(Bill.id.in_([uuid.UUID(ref) for ref in outcome.purpose.ids]))
            .order_by(Bill.id)
            .with_for_update(of=Bill)
            .execution_options(populate_existing=True)
        ).unique()
    )
    for bill in bills:
        if bill.status == BillStatus.PAID and bill.payment_id == outcome.intent_id:
            continue
        if bill.status != BillStatus.UNPAID:
            log.error("payment %s succeeded for bill %s already %s", outcome.intent_id, bill.id, bill.status)
        bill.status, bill.paid_via, bill.paid_at = BillStatus.PAID, PAID_HERE, outcome.at
        bill.payment_id, bill.paid_by_id = outcome.intent_id, outcome.payer_id
        receipt = _issue_receipt(bill, outcome)
        db.session.flush()
        notices.bill_paid(receipt, bill, outcome.payer_id)
    db.session.flush()


def on_payment_refunded(outcome) -> None:
    """A refund of a bills payment: record it on the receipts; a full refund makes the bills unpaid again."""
    receipts = list(
        db.session.scalars(
            db.select(BillReceipt)
            .where(BillReceipt.payment_id == outcome.intent_id, BillReceipt.voided_at.is_(None))
            .order_by(BillReceipt.id)
        )
    )
    remaining = outcome.refunded_total.fen
    for receipt in receipts:
        receipt.refunded_fen = min(receipt.amount_fen, remaining)
        remaining -= receipt.refunded_fen
    bills = list(
        db.session.scalars(
            db.select(Bill)
            .where(Bill.id.in_([uuid.UUID(ref) for ref in outcome.purpose.ids]))
            .order_by(Bill.id)
        ).unique()
    )
    payer_id = next((bill.paid_by_id for bill in bills if bill.paid_by_id is not None), None)
    if outcome.fully_refunded:
        _reopen_bills(outcome.intent_id, receipts)
    if bills and payer_id is not None:
        notices.payment_refunded(bills, outcome.refund_id, payer_id, outcome.amount, outcome.fully_refunded)
    db.session.flush()


def _reopen_bills(payment_id: uuid.UUID, receipts: list[BillReceipt]) -> None:
    now = utcnow()
    for receipt in receipts:
        receipt.voided_at = now
    bills = db.session.scalars(
        db.select(Bill).where(Bill.payment_id == payment_id).order_by(Bill.id).with_for_update(of=Bill)
    ).unique()
    for bill in bills:
        bill.status, bill.paid_via, bill.paid_at = BillStatus.UNPAID, None, None
        bill.payment_id = bill.paid_by_id = None


# --- receipts ---------------------------------------------------------------------------------


def _issue_receipt(bill: Bill, outcome) -> BillReceipt:
    receipt = BillReceipt(
        receipt_no="BR" + business_date(outcome.at).strftime("%Y%m%d") + _random_code(10),
        code=_random_code(16),
        bill_id=bill.id,
        payment_id=outcome.intent_id,
        biller_id=bill.biller_id,
        amount_fen=bill.amount_fen,
        currency=bill.currency,
        period=bill.period,
        account_masked=mask_account(bill.account_number),
        paid_at=outcome.at,
    )
    db.session.add(receipt)
    return receipt


def _random_code(length: int) -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(length))


def format_code(code: str) -> str:
    """``ABCD1234EFGH5678`` -> ``ABCD-1234-EFGH-5678``: how a code is printed on the receipt."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def receipt_for_bill(actor: Actor, bill_id: uuid.UUID) -> BillReceipt:
    """The e-receipt of a bill paid through Yimatong (404 while unpaid, or paid elsewhere)."""
    bill = get_bill(actor, bill_id)
    receipt = db.session.scalar(
        db.select(BillReceipt)
        .where(BillReceipt.bill_id == bill.id, BillReceipt.voided_at.is_(None))
        .order_by(BillReceipt.id.desc())
        .limit(1)
    )
    if receipt is None:
        raise NotFound(gettext("This bill has no receipt: it was not paid through Yimatong."))
    return receipt


def verify_receipt(code: str) -> BillReceipt:
    """Anyone holding a receipt's code can check it: only non-personal facts are shown."""
    normalized = re.sub(r"[\s-]", "", code).upper().replace("O", "0").replace("I", "1").replace("L", "1")
    if not re.fullmatch(f"[{RECEIPT_ALPHABET}]{{16}}", normalized):
        raise NotFound(gettext("No receipt has this verification code."))
    receipt = db.session.scalar(db.select(BillReceipt).where(BillReceipt.code == normalized))
    if receipt is None:
        raise NotFound(gettext("No receipt has this verification code."))
    return receipt


def receipt_status(receipt: BillReceipt) -> str:
    """valid, partly_refunded or voided (fully refunded)."""
    if receipt.voided_at is not None:
        return "voided"
    return "partly_refunded" if receipt.refunded_fen else "valid"


# --- autopay ----------------------------------------------------------------------------------


def set_autopay(actor: Actor, account_id: uuid.UUID, limit: Money, days_before_due: int) -> AutopayRule:
    """Let new bills of the account within ``limit`` be paid ``days_before_due`` days before they are due."""
    account = _own_account(actor, account_id, lock=True)
    _require_confirmed(account)
    if PaymentMode.AUTOPAY not in account.biller.payment_modes:
        raise ValidationFailed({"account_id": [gettext("This biller does not accept autopay.")]})
    if not 0 < limit.fen <= 10**9 or limit.currency != "CNY":
        raise ValidationFailed({"limit": [gettext("An amount must be a positive number of fen.")]})
    if not 0 <= days_before_due <= MAX_AUTOPAY_DAYS:
        message = gettext("Between 0 and %(max)s days.", max=MAX_AUTOPAY_DAYS)
        raise ValidationFailed({"days_before_due": [message]})
    rule = account.autopay or AutopayRule(account=account, person_id=account.person_id)
    rule.limit_fen, rule.currency, rule.days_before_due = limit.fen, limit.currency, days_before_due
    rule.set_by_id = actor.person_id
    db.session.add(rule)
    db.session.flush()
    return rule


def remove_autopay(actor: Actor, account_id: uuid.UUID) -> None:
    """Stop paying the account's bills automatically."""
    account = _own_account(actor, account_id, lock=True)
    if account.autopay is None:
        raise NotFound()
    db.session.delete(account.autopay)
    account.autopay = None
    db.session.flush()


@dataclass
class AutopayRun:
    """What one autopay sweep did."""

    paid: int = 0
    over_limit: int = 0
    skipped: int = 0


def run_autopay(now: datetime | None = None, limit: int = 500) -> AutopayRun:
    """Pay bills whose autopay day has come, within their rule's limit; flag larger ones for the resident."""
    now = now or utcnow()
    today = business_date(now)
    rows = db.session.execute(
        db.select(Bill.id, AutopayRule.id)
        .join(
            UtilityAccount,
            (UtilityAccount.biller_id == Bill.biller_id)
            & (UtilityAccount.account_number == Bill.account_number),
        )
        .join(AutopayRule, AutopayRule.account_id == UtilityAccount.id)
        .where(
            Bill.status == BillStatus.UNPAID,
            Bill.autopay_state.is_(None),
            Bill.due_date <= today + timedelta(days=MAX_AUTOPAY_DAYS),
            UtilityAccount.status == AccountStatus.CONFIRMED,
        )
        .order_by(Bill.due_date, Bill.id, AutopayRule.id)
        .limit(limit)
    ).all()
    run = AutopayRun()
    done: set[uuid.UUID] = set()
    for bill_id, rule_id in rows:
        if bill_id in done:
            continue
        result = _autopay_one(bill_id, rule_id, today, now)
        if result is not None:
            done.add(bill_id)
        setattr(run, result or "skipped", getattr(run, result or "skipped") + 1)
    return run


def _autopay_one(bill_id: uuid.UUID, rule_id: uuid.UUID, today: date, now: datetime) -> str | None:
    """Pay or flag one bill under one rule; None when it is not due yet or someone else holds it."""
    rule = db.session.get(AutopayRule, rule_id)
    try:
        with db.session.begin_nested():
            (bill,) = _locked_bills([bill_id])
            if bill.status != BillStatus.UNPAID or bill.autopay_state is not None:
                return None
            if bill.due_date - timedelta(days=rule.days_before_due) > today:
                return None
            bill.autopay_at = now
            if bill.amount_fen > rule.limit_fen:
                bill.autopay_state = "over_limit"
                notices.autopay_over_limit(bill, rule.person_id, rule.limit)
                return "over_limit"
            key = f"autopay:{bill.id}"
            intent = _charge(Actor.system(), rule.person_id, [bill], key)
            bill.autopay_state, bill.autopay_payment_id = "attempted", intent.id
            return "paid"
    except (payments.PaymentInProgress, payments.AlreadyPaid, BillCancelled) as error:
        log.info("autopay of bill %s skipped: %s", bill_id, error.code)
        return None


# --- reminders --------------------------------------------------------------------------------


@dataclass
class ReminderRun:
    """What one reminder sweep sent."""

    due_soon: int = 0
    overdue: int = 0


def send_reminders(now: datetime | None = None, limit: int = 500) -> ReminderRun:
    """Remind the holders of unpaid bills due within BILLS_REMINDER_DAYS, and of overdue ones, once each."""
    now = now or utcnow()
    today = business_date(now)
    horizon = today + timedelta(days=current_app.config["BILLS_REMINDER_DAYS"])
    unpaid = (Bill.status == BillStatus.UNPAID,)
    due_soon = db.select(Bill).where(
        *unpaid,
        Bill.reminded_at.is_(None),
        Bill.due_date >= today,
        Bill.due_date <= horizon,
        or_(Bill.autopay_state.is_(None), Bill.autopay_state != "attempted"),
    )
    overdue = db.select(Bill).where(*unpaid, Bill.overdue_notified_at.is_(None), Bill.due_date < today)
    run = ReminderRun()
    for bill in _claim(due_soon, limit):
        notices.bill_due(bill, holders_of(bill))
        bill.reminded_at, run.due_soon = now, run.due_soon + 1
    for bill in _claim(overdue, limit):
        notices.bill_overdue(bill, holders_of(bill))
        bill.overdue_notified_at, run.overdue = now, run.overdue + 1
    db.session.flush()
    return run


def _claim(stmt, limit: int) -> list[Bill]:
    """The bills a sweep takes (rows another sweep holds right now are left to it)."""
    return list(
        db.session.scalars(
            stmt.order_by(Bill.due_date, Bill.id).limit(limit).with_for_update(of=Bill, skip_locked=True)
        ).unique()
    )


# --- disputes ---------------------------------------------------------------------------------


def raise_dispute(
    actor: Actor, payment_id: uuid.UUID, kind: str, description: str, now: datetime | None = None
) -> BillDispute:
    """Dispute a completed bill payment; the biller must answer within the working days the city sets."""
    now = now or utcnow()
    resident = acting_resident(actor, MANDATE_SCOPE)
    intent = payments.get_intent(actor, payment_id)
    if intent.purpose_domain != DOMAIN or intent.payer_id != resident:
        raise NotFound()
    if intent.status != payments.PaymentStatus.SUCCEEDED:
        raise PaymentNotDisputable()
    if db.session.scalar(db.select(BillDispute.id).where(BillDispute.payment_id == intent.id)):
        raise DisputeExists()
    bills = list(
        db.session.scalars(db.select(Bill).where(Bill.id.in_([uuid.UUID(r) for r in intent.purpose_ids])))
    )
    biller = db.session.scalar(db.select(Biller).where(Biller.client_id == intent.payee_id))
    if biller is None or not bills:
        raise NotFound()
    dispute = BillDispute(
        payment_id=intent.id,
        person_id=resident,
        raised_by_id=actor.person_id,
        biller_id=biller.id,
        kind=kind,
        description=description.strip(),
        status=DisputeStatus.OPEN,
        evidence=_evidence(intent, biller, bills),
        answer_due_at=answer_deadline(now),
    )
    try:
        with db.session.begin_nested():
            db.session.add(dispute)
            db.session.flush()
    except IntegrityError:
        raise DisputeExists() from None
    notices.dispute_opened(dispute)
    return dispute


def answer_deadline(now: datetime) -> datetime:
    """The end of the N-th working day after today (Asia/Shanghai): when the biller must have answered."""
    days = current_app.config["BILLS_DISPUTE_ANSWER_WORKING_DAYS"]
    last_day = load_calendar().add_working_days(business_date(now), days)
    return datetime.combine(last_day + timedelta(days=1), time(), SHANGHAI).astimezone(now.tzinfo)


def _evidence(intent, biller: Biller, bills: list[Bill]) -> dict:
    receipts = db.session.scalars(db.select(BillReceipt).where(BillReceipt.payment_id == intent.id)).all()
    return {
        "payment_id": str(intent.id),
        "amount_fen": intent.amount_fen,
        "currency": intent.currency,
        "paid_at": intent.settled_at.isoformat() if intent.settled_at else None,
        "provider": intent.provider,
        "provider_ref": intent.provider_ref,
        "biller_code": biller.code,
        "biller_name": biller.name_zh_hans,
        "biller_category": biller.category,
        "bills": [
            {
                "bill_no": bill.bill_no,
                "period": bill.period,
                "amount_fen": bill.amount_fen,
                "account": mask_account(bill.account_number),
            }
            for bill in sorted(bills, key=lambda b: b.bill_no)
        ],
        "receipts": sorted(receipt.receipt_no for receipt in receipts),
    }


def list_disputes(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """The resident's disputes, newest first."""
    resident = acting_resident(actor, MANDATE_SCOPE)
    stmt = db.select(BillDispute).where(BillDispute.person_id == resident)
    return paginate(stmt, BillDispute.id, cursor=cursor, limit=limit)


def get_dispute(actor: Actor, dispute_id: uuid.UUID, *, lock: bool = False) -> BillDispute:
    """One of the resident's disputes (404 for anyone else's)."""
    resident = private_resident(actor, MANDATE_SCOPE)
    stmt = db.select(BillDispute).where(BillDispute.id == dispute_id)
    if lock:
        stmt = stmt.with_for_update(of=BillDispute)
    dispute = db.session.scalar(stmt)
    if dispute is None or dispute.person_id != resident:
        raise NotFound()
    return dispute


def biller_disputes(actor: Actor, *, status: str | None, cursor: str | None, limit: int) -> Page:
    """The disputes about the calling biller's payments, oldest first (each read is in the resident's log)."""
    biller = biller_for_client(actor)
    stmt = db.select(BillDispute).where(BillDispute.biller_id == biller.id)
    if status is not None:
        stmt = stmt.where(BillDispute.status == status)
    page = paginate(stmt, BillDispute.id, cursor=cursor, limit=limit, newest_first=False)
    for dispute in page.items:
        audit.record_access(actor, dispute.person_id, "read", "bill_dispute")
    return page


def answer_dispute(
    actor: Actor, dispute_id: uuid.UUID, accepted: bool, answer: str, now: datetime | None = None
) -> BillDispute:
    """The biller accepts or rejects a dispute, with its explanation (late answers are still recorded)."""
    biller = biller_for_client(actor)
    dispute = db.session.scalar(
        db.select(BillDispute).where(BillDispute.id == dispute_id).with_for_update(of=BillDispute)
    )
    if dispute is None or dispute.biller_id != biller.id:
        raise NotFound()
    if dispute.status != DisputeStatus.OPEN:
        raise DisputeAnswered()
    dispute.status = DisputeStatus.ACCEPTED if accepted else DisputeStatus.REJECTED
    dispute.decision = dispute.status
    dispute.answer, dispute.answered_at = answer.strip()[:500], now or utcnow()
    audit.record_access(actor, dispute.person_id, "change", "bill_dispute", reason=dispute.decision)
    db.session.flush()
    notices.dispute_answered(dispute)
    return dispute


def note_unanswered_disputes(now: datetime | None = None, limit: int = 500) -> int:
    """Tell residents whose dispute the biller let pass its deadline that they may go to 12345 (once)."""
    now = now or utcnow()
    late = db.session.scalars(
        db.select(BillDispute)
        .where(
            BillDispute.status == DisputeStatus.OPEN,
            BillDispute.answer_due_at <= now,
            BillDispute.overdue_notified_at.is_(None),
        )
        .order_by(BillDispute.answer_due_at)
        .limit(limit)
        .with_for_update(of=BillDispute, skip_locked=True)
    ).all()
    for dispute in late:
        notices.dispute_unanswered(dispute)
        dispute.overdue_notified_at = now
    db.session.flush()
    return len(late)


def may_escalate(dispute: BillDispute, now: datetime | None = None) -> bool:
    """Rejected, or still unanswered past the biller's deadline."""
    if dispute.status == DisputeStatus.REJECTED:
        return True
    return dispute.status == DisputeStatus.OPEN and (now or utcnow()) >= dispute.answer_due_at


def escalate_dispute(
    actor: Actor, dispute_id: uuid.UUID, *, note: str = "", identity_visible: bool = True, now=None
) -> BillDispute:
    """Turn a rejected or unanswered dispute into a 12345 complaint carrying the payment evidence."""
    now = now or utcnow()
    dispute = get_dispute(actor, dispute_id, lock=True)
    if not may_escalate(dispute, now):
        raise DisputeNotEscalatable()
    complaint = complaints.submit_complaint(
        actor,
        complaints.Intake(
            category_code=DISPUTE_CATEGORY,
            description=_complaint_text(dispute, note),
            contact_allowed=True,
            identity_visible=identity_visible,
        ),
    )
    dispute.status, dispute.escalated_at = DisputeStatus.ESCALATED, now
    dispute.complaint_id, dispute.complaint_tracking_number = complaint.id, complaint.tracking_number
    db.session.flush()
    return dispute


def _complaint_text(dispute: BillDispute, note: str) -> str:
    """The complaint as 12345 staff read it (Simplified Chinese): the dispute, the answer, the evidence."""
    evidence = dispute.evidence
    with force_locale("zh_Hans"):
        lines = [
            gettext("Utility bill payment dispute: %(kind)s", kind=str(DISPUTE_KIND_LABELS[dispute.kind])),
            gettext(
                "Biller: %(name)s (%(category)s)",
                name=evidence["biller_name"],
                category=category_label(evidence["biller_category"]),
            ),
            gettext(
                "Payment %(payment)s of %(amount)s, completed %(at)s",
                payment=evidence["payment_id"],
                amount=Money(evidence["amount_fen"], evidence["currency"]).format(),
                at=evidence["paid_at"] or "",
            ),
        ]
        for bill in evidence["bills"]:
            lines.append(
                gettext(
                    "Bill %(number)s, account %(account)s, period %(period)s, %(amount)s",
                    number=bill["bill_no"],
                    account=bill["account"],
                    period=bill["period"],
                    amount=Money(bill["amount_fen"], evidence["currency"]).format(),
                )
            )
        lines.append(gettext("The resident says: %(text)s", text=dispute.description))
        if dispute.answer:
            lines.append(gettext("The biller answered: %(text)s", text=dispute.answer))
        else:
            lines.append(gettext("The biller did not answer by the deadline."))
        if note.strip():
            lines.append(gettext("Added when escalating: %(text)s", text=note.strip()))
    return "\n".join(lines)[:2000]


# --- helpers ----------------------------------------------------------------------------------


def category_label(category: str) -> str:
    """The category's name in the reader's language."""
    label = CATEGORY_LABELS.get(category)
    return str(label) if label is not None else category


def biller_name(biller: Biller) -> str:
    """The biller's name in the reader's language."""
    return biller.name_in(_locale())
