"""Autopay within a resident's limit, and reminders before and after the due date (the sweep)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import or_

from app.bills import notices
from app.bills.errors import (
    BillCancelled,
)
from app.bills.models import (
    MAX_AUTOPAY_DAYS,
    AccountStatus,
    AutopayRule,
    Bill,
    BillStatus,
    PaymentMode,
    UtilityAccount,
)
from app.bills.services._shared import business_date, log
from app.bills.services.accounts import _own_account
from app.bills.services.bills import _require_confirmed, holders_of
from app.bills.services.paying import _charge, _locked_bills
from app.core.actors import Actor
from app.core.errors import NotFound, ValidationFailed
from app.core.models import utcnow
from app.core.money import Money
from app.extensions import db
from app.payments import services as payments


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
