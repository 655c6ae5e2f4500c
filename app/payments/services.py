"""Payment intents, refunds, provider callbacks, reconciliation and settlement reports.

How other domains use payments (bills, parking, commerce):

1. At start-up, register the purpose domain and the mandate scope that covers paying for it:
   ``register_purpose("bills", MandateScope.BILLS, on_settled=..., on_refunded=...)``.
   ``on_settled(PaymentOutcome)`` runs exactly once per intent, inside the transaction that records
   its end (succeeded, failed or cancelled); ``on_refunded(RefundOutcome)`` once per refund.
2. Charge: ``create_intent(actor, payer_id, Payee(kind, id), Money(fen), Purpose("bills", (bill ids)),
   idempotency_key)`` from an operation that holds the key under the kernel's idempotency contract
   (``@blp.idempotent()``, or ``idempotency.run_once`` off the web). Money moves once because each
   purpose id is claimed by one intent at a time: while an intent for any of them is pending or
   succeeded, a new one is refused (PaymentInProgress / AlreadyPaid, both 409). The key is kept on
   the intent, unique per payer, as the database's last guard.
3. Read and act: ``get_intent``, ``cancel_intent``, ``refund``, ``active_intent_for``.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from app.core import access, audit
from app.core.actors import Actor, ActorKind, MandateScope
from app.core.audit import AuditAction
from app.core.errors import AppError, NotFound, ValidationFailed
from app.core.idempotency import check_key
from app.core.models import utcnow
from app.core.money import MAX_FEN, Money
from app.core.pagination import Page, paginate
from app.core.policy import require_person
from app.extensions import db
from app.payments import ledger, policies
from app.payments.errors import (
    AlreadyPaid,
    CallbackMismatch,
    CallbackReplayed,
    PaymentCompleting,
    PaymentInProgress,
    PaymentNotPending,
    PaymentNotRefundable,
    PaymentStateConflict,
    RefundExceedsPayment,
)
from app.payments.models import (
    LedgerJournal,
    PayeeKind,
    PaymentCallbackEvent,
    PaymentClaim,
    PaymentIntent,
    PaymentRefund,
    PaymentStatus,
)
from app.payments.providers import ChargeStatus, default_provider, provider_named

log = logging.getLogger(__name__)

READ_SCOPE = policies.READ_SCOPE
REFUND_SCOPE = policies.REFUND_SCOPE
SUPPORTED_CURRENCIES = ("CNY",)
DOMAIN_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
MAX_PURPOSE_IDS = 50
CALLBACK_EVENT_RETENTION = timedelta(days=1)
TERMINAL = (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELLED)


@dataclass(frozen=True)
class Payee:
    """Who is paid: a kind (biller, parking_operator, merchant) and that payee's id."""

    kind: str
    id: str


@dataclass(frozen=True)
class Purpose:
    """What an intent pays for: a domain and the ids of its records (e.g. bill ids)."""

    domain: str
    ids: tuple[str, ...]


@dataclass(frozen=True)
class PaymentOutcome:
    """How an intent ended, as its purpose domain hears it."""

    intent_id: uuid.UUID
    status: str
    payer_id: uuid.UUID
    payee: Payee
    amount: Money
    purpose: Purpose
    at: datetime
    failure_code: str | None


@dataclass(frozen=True)
class RefundOutcome:
    """A refund paid out, as the purpose domain hears it."""

    refund_id: uuid.UUID
    intent_id: uuid.UUID
    amount: Money
    refunded_total: Money
    fully_refunded: bool
    payee: Payee
    purpose: Purpose
    reason: str


@dataclass(frozen=True)
class PurposeHandlers:
    """What a domain registered to hear about its intents, and the mandate scope of paying for it."""

    mandate_scope: MandateScope
    on_settled: Callable[[PaymentOutcome], None]
    on_refunded: Callable[[RefundOutcome], None] | None = None


_purposes: dict[str, PurposeHandlers] = {}


def register_purpose(
    domain: str,
    mandate_scope: MandateScope,
    on_settled: Callable[[PaymentOutcome], None],
    on_refunded: Callable[[RefundOutcome], None] | None = None,
) -> None:
    """Let ``domain`` create intents and hear, in the settling transaction, how each one ended."""
    if not DOMAIN_PATTERN.match(domain):
        raise ValueError(f"purpose domain {domain!r} must be lower-case letters, digits and _")
    _purposes[domain] = PurposeHandlers(MandateScope(mandate_scope), on_settled, on_refunded)


def mandate_scope_of(intent: PaymentIntent) -> MandateScope:
    """The mandate scope that lets a proxy see or pay this intent (its purpose's)."""
    return _handlers(intent.purpose_domain).mandate_scope


def unregister_purpose(domain: str) -> None:
    """Forget a purpose domain (tests)."""
    _purposes.pop(domain, None)


def _handlers(domain: str) -> PurposeHandlers:
    try:
        return _purposes[domain]
    except KeyError:
        raise RuntimeError(f"no payment purpose registered for domain {domain!r}") from None


# --- intents ------------------------------------------------------------------------------------


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
    intent = PaymentIntent(
        payer_id=payer_id,
        initiated_by_id=initiated_by,
        payee_kind=payee.kind,
        payee_id=payee.id,
        amount_fen=amount.fen,
        currency=amount.currency,
        purpose_domain=purpose.domain,
        purpose_ids=list(purpose.ids),
        description=_described(description)[0],
        descriptions=_described(description)[1],
        status=PaymentStatus.PENDING,
        provider=provider.name,
        idempotency_key=idempotency_key,
    )
    if not _insert_with_claims(intent, purpose):
        raise _purpose_taken(purpose)
    charge = provider.start_charge(intent, provider_options or {})
    intent.provider_ref, intent.client_action = charge.provider_ref, charge.client_action
    db.session.flush()
    audit.record(actor, payer_id, AuditAction.PAY, "payment_intent", intent.id)
    return intent


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
    """Insert the intent and claim each purpose id (in sorted order), or nothing at all."""
    try:
        with db.session.begin_nested():
            db.session.add(intent)
            db.session.flush()
            for ref in purpose.ids:
                db.session.add(PaymentClaim(domain=purpose.domain, ref=ref, intent_id=intent.id))
                db.session.flush()
    except IntegrityError:
        return False
    return True


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


# --- settlement: callbacks and reconciliation --------------------------------------------------


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


# --- refunds -----------------------------------------------------------------------------------


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
    if intent.status != PaymentStatus.SUCCEEDED:
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


# --- settlement reports ------------------------------------------------------------------------


@dataclass(frozen=True)
class SettlementLine:
    """One booked payment or refund of a payee's day."""

    journal_id: uuid.UUID
    kind: str
    intent_id: uuid.UUID
    purpose_domain: str
    purpose_ids: list
    amount: Money
    booked_at: datetime


@dataclass(frozen=True)
class SettlementReport:
    """A payee's totals for one Asia/Shanghai business day, from the ledger."""

    payee: Payee
    date: date
    currency: str
    paid: Money
    refunded: Money
    payments_count: int
    refunds_count: int
    lines: list[SettlementLine] = field(default_factory=list)

    @property
    def net(self) -> Money:
        """Paid minus refunded."""
        return self.paid - self.refunded


def settlement_report(
    actor: Actor, payee: Payee, day: date | None = None, *, currency: str = "CNY", with_lines: bool = False
) -> SettlementReport:
    """A payee's daily settlement: what was paid and refunded, for finance staff or the payee's client."""
    policies.require_settlement_reader(actor, payee.kind, payee.id)
    day = day or ledger.business_date(utcnow())
    journals = (
        LedgerJournal.payee_kind == payee.kind,
        LedgerJournal.payee_id == payee.id,
        LedgerJournal.business_date == day,
        LedgerJournal.currency == currency,
    )
    totals = {
        kind: (count, total)
        for kind, count, total in db.session.execute(
            db.select(LedgerJournal.kind, func.count(), func.coalesce(func.sum(LedgerJournal.amount_fen), 0))
            .where(*journals)
            .group_by(LedgerJournal.kind)
        )
    }
    paid_count, paid = totals.get(ledger.PAYMENT, (0, 0))
    refunds_count, refunded = totals.get(ledger.REFUND, (0, 0))
    return SettlementReport(
        payee=payee,
        date=day,
        currency=currency,
        paid=Money(int(paid), currency),
        refunded=Money(int(refunded), currency),
        payments_count=paid_count,
        refunds_count=refunds_count,
        lines=_settlement_lines(journals) if with_lines else [],
    )


def _settlement_lines(journals) -> list[SettlementLine]:
    rows = db.session.execute(
        db.select(LedgerJournal, PaymentIntent.purpose_domain, PaymentIntent.purpose_ids)
        .join(PaymentIntent, PaymentIntent.id == LedgerJournal.intent_id)
        .where(*journals)
        .order_by(LedgerJournal.booked_at, LedgerJournal.id)
    )
    return [
        SettlementLine(
            journal_id=journal.id,
            kind=journal.kind,
            intent_id=journal.intent_id,
            purpose_domain=domain,
            purpose_ids=list(ids),
            amount=Money(journal.amount_fen, journal.currency),
            booked_at=journal.booked_at,
        )
        for journal, domain, ids in rows
    ]
