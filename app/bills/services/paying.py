"""Paying bills through the payments ledger, and what a settled or refunded payment does to them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from flask_babel import gettext
from sqlalchemy.exc import OperationalError

from app.bills import notices
from app.bills.errors import (
    BillCancelled,
)
from app.bills.models import (
    MAX_BILLS_PER_PAYMENT,
    Bill,
    BillReceipt,
    BillStatus,
    PaymentMode,
    mask_account,
)
from app.bills.services._shared import (
    DOMAIN,
    LOCK_NOT_AVAILABLE,
    MANDATE_SCOPE,
    PAID_HERE,
    business_date,
    log,
)
from app.bills.services.bills import _bound_to
from app.bills.services.receipts import _random_code
from app.core.actors import Actor
from app.core.errors import NotFound, ValidationFailed
from app.core.models import utcnow
from app.core.money import Money
from app.core.policy import acting_for
from app.extensions import db
from app.payments import services as payments


def install() -> None:
    """Register bills as a payment purpose: settled and refunded payments update their bills."""
    payments.register_purpose(
        DOMAIN, MANDATE_SCOPE, on_settled=on_payment_settled, on_refunded=on_payment_refunded
    )


def pay_bills(actor: Actor, bill_ids: Iterable[uuid.UUID], idempotency_key: str):
    """Pay one or several bills of one biller in one payment intent (the same key returns the same one)."""
    payer_id = acting_for(actor, MANDATE_SCOPE)
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
