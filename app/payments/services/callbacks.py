"""How an intent ends: the provider's signed callbacks and reconciliation of intents left pending."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.core.errors import AppError
from app.core.models import utcnow
from app.extensions import db
from app.payments.errors import (
    CallbackMismatch,
    CallbackReplayed,
)
from app.payments.models import (
    PaymentCallbackEvent,
    PaymentIntent,
    PaymentStatus,
)
from app.payments.providers import ChargeStatus, provider_named
from app.payments.services._shared import CALLBACK_EVENT_RETENTION, log
from app.payments.services.intents import _locked_intent, _settle


@dataclass(frozen=True)
class CallbackReceipt:
    """What a callback did: settled the intent now, or found it already settled."""

    result: str
    payment_status: str


def receive_callback(
    provider_name: str, headers: Mapping[str, str], body: bytes, now: datetime | None = None
) -> CallbackReceipt:
    """Verify a provider's signed callback, refuse replays, and settle its intent exactly once."""
    now = now or utcnow()
    provider = provider_named(provider_name)
    event = provider.verify_callback(headers, body, now)
    try:
        with db.session.begin_nested():
            db.session.add(
                PaymentCallbackEvent(
                    provider=provider.name, event_id=event.event_id, intent_id=event.intent_id
                )
            )
            db.session.flush()
    except IntegrityError:
        raise CallbackReplayed() from None
    intent = _locked_intent(event.intent_id)
    if (
        intent is None
        or intent.provider != provider.name
        or intent.provider_ref != event.provider_ref
        or intent.amount != event.amount
    ):
        log.warning("%s callback %s matches no intent", provider.name, event.event_id)
        raise CallbackMismatch()
    settled = _settle(intent, event.succeeded, failure_code=event.failure_code, now=now)
    return CallbackReceipt(result="settled" if settled else "already-settled", payment_status=intent.status)


def purge_callback_events(now: datetime | None = None) -> int:
    """Forget callback event ids old enough that their timestamps would be refused as stale anyway."""
    cutoff = (now or utcnow()) - CALLBACK_EVENT_RETENTION
    return db.session.execute(
        db.delete(PaymentCallbackEvent).where(PaymentCallbackEvent.created_at < cutoff)
    ).rowcount


def reconcile_intent(intent_id: uuid.UUID, now: datetime | None = None) -> str:
    """Ask the provider about one pending intent and settle, expire or leave it; returns what happened."""
    now = now or utcnow()
    intent = _locked_intent(intent_id)
    if intent is None or intent.status != PaymentStatus.PENDING:
        return "already-settled"
    provider = provider_named(intent.provider)
    state = provider.query_charge(intent, now)
    expiry = timedelta(seconds=current_app.config["PAYMENTS_INTENT_EXPIRY_SECONDS"])
    if state.status is ChargeStatus.OPEN and now - intent.created_at >= expiry:
        if provider.close_charge(intent, now):
            _settle(intent, False, failure_code="expired", now=now)
            return "expired"
        state = provider.query_charge(intent, now)
    if state.status is ChargeStatus.CAPTURED:
        _settle(intent, True, failure_code=None, now=now)
        return "succeeded"
    if state.status in (ChargeStatus.DECLINED, ChargeStatus.CLOSED):
        _settle(intent, False, failure_code=state.failure_code or "closed", now=now)
        return "failed"
    return "pending"


def reconcile_pending(
    now: datetime | None = None, *, older_than: timedelta | None = None, limit: int = 200
) -> dict[str, int]:
    """Reconcile intents pending longer than PAYMENTS_RECONCILE_AFTER_SECONDS; counts per result."""
    now = now or utcnow()
    if older_than is None:
        older_than = timedelta(seconds=current_app.config["PAYMENTS_RECONCILE_AFTER_SECONDS"])
    due = db.session.scalars(
        db.select(PaymentIntent.id)
        .where(PaymentIntent.status == PaymentStatus.PENDING, PaymentIntent.created_at <= now - older_than)
        .order_by(PaymentIntent.created_at)
        .limit(limit)
    ).all()
    counts: dict[str, int] = {}
    for intent_id in due:
        try:
            with db.session.begin_nested():
                result = reconcile_intent(intent_id, now)
        except AppError as error:
            log.warning("reconciling intent %s: %s", intent_id, error.code)
            result = error.code
        counts[result] = counts.get(result, 0) + 1
    return counts
