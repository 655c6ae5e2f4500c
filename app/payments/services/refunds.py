"""Refunds: never more than was paid, booked on the ledger, heard by the purpose."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_babel import gettext

from app.core import audit
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.errors import NotFound, ValidationFailed
from app.core.idempotency import check_key
from app.core.models import utcnow
from app.core.money import Money
from app.extensions import db
from app.payments import ledger, policies
from app.payments.errors import (
    PaymentNotRefundable,
    RefundExceedsPayment,
)
from app.payments.models import (
    PaymentIntent,
    PaymentRefund,
    PaymentStatus,
)
from app.payments.providers import provider_named
from app.payments.services._shared import SUBSIDY_PROVIDER
from app.payments.services.intents import _locked_intent, _release_claims
from app.payments.services.purposes import Payee, Purpose, RefundOutcome, _handlers


def refund(
    actor: Actor,
    intent_id: uuid.UUID,
    amount: Money,
    reason: str,
    idempotency_key: str,
    now: datetime | None = None,
) -> PaymentRefund:
    """Give back part or all of a succeeded payment, never more than paid; a repeated key replays."""
    now = now or utcnow()
    check_key(idempotency_key)
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise ValidationFailed({"reason": [gettext("Give a reason of at most 200 characters.")]})
    intent = _locked_intent(intent_id)
    if intent is None:
        raise NotFound()
    requested_by = policies.refunder(actor, intent)
    _check_refundable(intent, amount)
    _reserve_refund(intent, amount)
    record = PaymentRefund(
        intent_id=intent.id,
        amount_fen=amount.fen,
        currency=amount.currency,
        reason=reason,
        status=PaymentStatus.SUCCEEDED,
        idempotency_key=idempotency_key,
        requested_by=requested_by,
    )
    db.session.add(record)
    db.session.flush()
    record.provider_ref = provider_named(intent.provider).refund(intent, record).provider_ref
    ledger.post_refund(intent, record, now)
    _after_refund(intent, record)
    audit.record(actor, intent.payer_id, AuditAction.PAY, "payment_refund", record.id, reason)
    return record


def _check_refundable(intent: PaymentIntent, amount: Money) -> None:
    if intent.status != PaymentStatus.SUCCEEDED or intent.provider == SUBSIDY_PROVIDER:
        raise PaymentNotRefundable()
    if amount.currency != intent.currency or amount.fen <= 0:
        raise ValidationFailed({"amount": [gettext("An amount must be a positive number of fen.")]})


def _reserve_refund(intent: PaymentIntent, amount: Money) -> None:
    """Add to the refunded total only while it stays within the amount paid (atomic on every database)."""
    reserved = db.session.execute(
        db.update(PaymentIntent)
        .where(
            PaymentIntent.id == intent.id, PaymentIntent.refunded_fen + amount.fen <= PaymentIntent.amount_fen
        )
        .values(refunded_fen=PaymentIntent.refunded_fen + amount.fen)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not reserved:
        raise RefundExceedsPayment()
    db.session.refresh(intent)


def _after_refund(intent: PaymentIntent, record: PaymentRefund) -> None:
    fully = intent.refunded_fen == intent.amount_fen
    if fully:
        _release_claims(intent)
    handler = _handlers(intent.purpose_domain).on_refunded
    if handler is not None:
        handler(
            RefundOutcome(
                refund_id=record.id,
                intent_id=intent.id,
                amount=record.amount,
                refunded_total=intent.refunded,
                fully_refunded=fully,
                payee=Payee(intent.payee_kind, intent.payee_id),
                purpose=Purpose(intent.purpose_domain, tuple(intent.purpose_ids)),
                reason=record.reason,
            )
        )
    db.session.flush()
