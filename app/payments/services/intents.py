"""Payment intents: opened once per purpose, read by those the policies admit, cancelled while pending."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from flask_babel import gettext

from app.core import access, audit
from app.core.actors import Actor, ActorKind
from app.core.audit import AuditAction
from app.core.errors import ValidationFailed
from app.core.idempotency import check_key
from app.core.models import add_new, upsert_insert, utcnow
from app.core.money import MAX_FEN, Money
from app.core.pagination import Page, paginate
from app.core.policy import require_person
from app.extensions import db
from app.payments import ledger, policies
from app.payments.errors import (
    AlreadyPaid,
    PaymentCompleting,
    PaymentInProgress,
    PaymentNotPending,
    PaymentStateConflict,
)
from app.payments.models import (
    PayeeKind,
    PaymentClaim,
    PaymentIntent,
    PaymentStatus,
)
from app.payments.providers import default_provider, provider_named
from app.payments.services._shared import MAX_PURPOSE_IDS, SUPPORTED_CURRENCIES, log
from app.payments.services.purposes import (
    Payee,
    PaymentOutcome,
    Purpose,
    _handlers,
    _purposes,
    mandate_scope_of,
)


def _described(description: str | Mapping[str, str]) -> tuple[str, dict | None]:
    """The stored description (Simplified Chinese) and the texts by locale, each at most 120 characters."""
    if isinstance(description, str):
        return description[:120], None
    texts = {locale: str(text)[:120] for locale, text in description.items() if text}
    return texts.get("zh_Hans", next(iter(texts.values()), "")), texts


def create_intent(
    actor: Actor,
    payer_id: uuid.UUID,
    payee: Payee,
    amount: Money,
    purpose: Purpose,
    idempotency_key: str,
    *,
    description: str | Mapping[str, str] = "",
    provider_options: Mapping[str, str] | None = None,
) -> PaymentIntent:
    """Open a charge for ``purpose``; the same key returns the same intent, a paid purpose is refused.

    ``description`` is a text, or texts by locale (``{"zh_Hans": ..., "zh_Hant": ..., "en": ...}``)
    so that each reader sees it in their language.
    """
    purpose = _checked_request(payee, amount, purpose, idempotency_key)
    initiated_by = policies.charger(actor, payer_id, _handlers(purpose.domain).mandate_scope)
    provider = default_provider()
    intent = _new_intent(
        payer_id,
        payee,
        amount,
        purpose,
        description,
        idempotency_key,
        initiated_by_id=initiated_by,
        status=PaymentStatus.PENDING,
        provider=provider.name,
    )
    if not _insert_with_claims(intent, purpose):
        raise _purpose_taken(purpose)
    charge = provider.start_charge(intent, provider_options or {})
    intent.provider_ref, intent.client_action = charge.provider_ref, charge.client_action
    db.session.flush()
    audit.record(actor, payer_id, AuditAction.PAY, "payment_intent", intent.id)
    return intent


def _new_intent(
    payer_id: uuid.UUID,
    payee: Payee,
    amount: Money,
    purpose: Purpose,
    description: str | Mapping[str, str],
    idempotency_key: str,
    **state,
) -> PaymentIntent:
    """An intent of ``payer_id`` to ``payee`` for ``purpose``; ``state``: its status, provider, times."""
    text, texts = _described(description)
    return PaymentIntent(
        payer_id=payer_id,
        payee_kind=payee.kind,
        payee_id=payee.id,
        amount_fen=amount.fen,
        currency=amount.currency,
        purpose_domain=purpose.domain,
        purpose_ids=list(purpose.ids),
        description=text,
        descriptions=texts,
        idempotency_key=idempotency_key,
        **state,
    )


def _checked_request(payee: Payee, amount: Money, purpose: Purpose, key: str) -> Purpose:
    check_key(key)
    errors: dict[str, list[str]] = {}
    if amount.fen <= 0 or amount.fen > MAX_FEN:
        errors["amount"] = [gettext("An amount must be a positive number of fen.")]
    elif amount.currency not in SUPPORTED_CURRENCIES:
        errors["currency"] = [gettext("Unsupported currency.")]
    if payee.kind not in {kind.value for kind in PayeeKind} or not 0 < len(payee.id) <= 64:
        errors["payee"] = [gettext("Unknown payee.")]
    ids = tuple(sorted({str(ref) for ref in purpose.ids}))
    if not ids or len(ids) > MAX_PURPOSE_IDS or any(not 0 < len(ref) <= 64 for ref in ids):
        errors["purpose"] = [gettext("Pay for between 1 and %(max)s items at once.", max=MAX_PURPOSE_IDS)]
    if errors:
        raise ValidationFailed(errors)
    _handlers(purpose.domain)
    return Purpose(purpose.domain, ids)


def _insert_with_claims(intent: PaymentIntent, purpose: Purpose) -> bool:
    """Insert the intent and claim each purpose id (in sorted order), or nothing at all.

    Two statements and no savepoint: the intent unless it repeats a unique key (the payer's key), then
    every claim in one ``INSERT … ON CONFLICT DO NOTHING``. If another intent holds one of the ids,
    the claims just made and the intent are deleted again before the caller says why.
    """
    if not add_new(intent):
        return False
    claims = [{"domain": purpose.domain, "ref": ref, "intent_id": intent.id} for ref in purpose.ids]
    claim = (
        upsert_insert(PaymentClaim.__table__).on_conflict_do_nothing().returning(PaymentClaim.__table__.c.ref)
    )
    # One statement either way: a single row's parameters, or several rows as one multi-row INSERT.
    claimed = db.session.execute(claim, claims[0] if len(claims) == 1 else claims).all()
    if len(claimed) == len(purpose.ids):
        return True
    db.session.execute(db.delete(PaymentClaim).where(PaymentClaim.intent_id == intent.id))
    db.session.delete(intent)
    db.session.flush()
    return False


def _purpose_taken(purpose: Purpose) -> Exception:
    holders = db.session.scalars(
        db.select(PaymentIntent.status)
        .join(PaymentClaim, PaymentClaim.intent_id == PaymentIntent.id)
        .where(PaymentClaim.domain == purpose.domain, PaymentClaim.ref.in_(purpose.ids))
    ).all()
    if PaymentStatus.SUCCEEDED in holders:
        return AlreadyPaid()
    return PaymentInProgress()


def _release_claims(intent: PaymentIntent) -> None:
    db.session.execute(db.delete(PaymentClaim).where(PaymentClaim.intent_id == intent.id))


def active_intent_for(domain: str, ref: str) -> PaymentIntent | None:
    """The pending or succeeded (not fully refunded) intent that holds one record, if any."""
    return db.session.scalar(
        db.select(PaymentIntent)
        .join(PaymentClaim, PaymentClaim.intent_id == PaymentIntent.id)
        .where(PaymentClaim.domain == domain, PaymentClaim.ref == str(ref))
    )


def get_intent(actor: Actor, intent_id: uuid.UUID) -> PaymentIntent:
    """One intent, for its payer (or a proxy within the purpose's scope), its payee's client or staff."""
    return access.load_private(
        actor,
        PaymentIntent,
        intent_id,
        scope=mandate_scope_of,
        owner="payer_id",
        also=policies.may_read_intent,
    )


def list_intents(actor: Actor, *, cursor: str | None, limit: int, status: str | None = None) -> Page:
    """The resident's own intents, newest first (a proxy sees those its mandate's scopes cover)."""
    payer_id = require_person(actor)
    stmt = db.select(PaymentIntent).where(PaymentIntent.payer_id == payer_id)
    if actor.kind is ActorKind.PROXY:
        covered = sorted(d for d, h in _purposes.items() if h.mandate_scope in actor.proxy_scopes)
        stmt = stmt.where(PaymentIntent.purpose_domain.in_(covered))
        audit.record(actor, payer_id, AuditAction.LIST, "payment_intent")
    if status is not None:
        stmt = stmt.where(PaymentIntent.status == status)
    return paginate(stmt, PaymentIntent.id, cursor=cursor, limit=limit)


def _locked_intent(intent_id: uuid.UUID) -> PaymentIntent | None:
    return db.session.scalar(
        db.select(PaymentIntent)
        .where(PaymentIntent.id == intent_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def cancel_intent(actor: Actor, intent_id: uuid.UUID, now: datetime | None = None) -> PaymentIntent:
    """Cancel a pending intent (its payer, or the system); the provider closes the charge first."""
    now = now or utcnow()
    intent = access.load_private(
        actor, PaymentIntent, intent_id, scope=mandate_scope_of, owner="payer_id", lock=True,
        action=AuditAction.CHANGE,
    )  # fmt: skip
    if intent.status != PaymentStatus.PENDING:
        raise PaymentNotPending()
    if not provider_named(intent.provider).close_charge(intent, now):
        raise PaymentCompleting()
    intent.status, intent.cancelled_at = PaymentStatus.CANCELLED, now
    _release_claims(intent)
    _tell_purpose(intent, now)
    db.session.flush()
    return intent


def _settle(intent: PaymentIntent, succeeded: bool, *, failure_code: str | None, now: datetime) -> bool:
    """Record the provider's final word on a locked intent, once; False when it was already recorded."""
    target = PaymentStatus.SUCCEEDED if succeeded else PaymentStatus.FAILED
    if intent.status == target:
        return False
    if intent.status != PaymentStatus.PENDING:
        log.error("provider reports %s for intent %s already %s", target, intent.id, intent.status)
        raise PaymentStateConflict()
    intent.status, intent.settled_at = target, now
    if succeeded:
        ledger.post_payment(intent, now)
    else:
        intent.failure_code = (failure_code or "declined")[:40]
        _release_claims(intent)
    _tell_purpose(intent, now)
    db.session.flush()
    return True


def _tell_purpose(intent: PaymentIntent, at: datetime) -> None:
    _handlers(intent.purpose_domain).on_settled(
        PaymentOutcome(
            intent_id=intent.id,
            status=intent.status,
            payer_id=intent.payer_id,
            payee=Payee(intent.payee_kind, intent.payee_id),
            amount=intent.amount,
            purpose=Purpose(intent.purpose_domain, tuple(intent.purpose_ids)),
            at=at,
            failure_code=intent.failure_code,
        )
    )
