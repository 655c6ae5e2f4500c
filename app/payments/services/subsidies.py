"""Payments from a public subsidy fund: a payee paid on a resident's behalf, booked in the ledger once.

An elder's care voucher (养老服务补贴) is money the city holds for her; when a verified visit takes
from it, the care provider is owed that much. Such a payment is an intent like any other (the
resident as payer, the payee, the purpose's ids claimed so each is paid once) that no provider
carries: it succeeds at once and its journal debits ``subsidy_fund:<fund>`` instead of a provider's
clearing account. The same key (or the same purpose) again returns the first intent; it is never
refunded (a wrong subsidy is corrected by the fund, not by a refund).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date

from sqlalchemy import func

from app.core.models import utcnow
from app.core.money import Money
from app.extensions import db
from app.payments import ledger
from app.payments.models import LedgerJournal, PaymentClaim, PaymentIntent, PaymentStatus
from app.payments.services._shared import SUBSIDY_PROVIDER
from app.payments.services.intents import _checked_request, _insert_with_claims, _new_intent, _purpose_taken
from app.payments.services.purposes import Payee, Purpose


def pay_from_subsidy(
    payer_id: uuid.UUID,
    payee: Payee,
    amount: Money,
    purpose: Purpose,
    idempotency_key: str,
    *,
    fund: str,
    description: str | Mapping[str, str] = "",
) -> PaymentIntent:
    """Pay ``payee`` from ``fund`` on the resident's behalf, once per key and purpose (system only)."""
    purpose = _checked_request(payee, amount, purpose, idempotency_key)
    earlier = _paid_for(payer_id, idempotency_key, purpose)
    if earlier is not None:
        return earlier
    now = utcnow()
    intent = _new_intent(
        payer_id,
        payee,
        amount,
        purpose,
        description,
        idempotency_key,
        status=PaymentStatus.SUCCEEDED,
        provider=SUBSIDY_PROVIDER,
        settled_at=now,
    )
    if not _insert_with_claims(intent, purpose):
        earlier = _paid_for(payer_id, idempotency_key, purpose)
        if earlier is not None:
            return earlier
        raise _purpose_taken(purpose)
    ledger.post_subsidy(intent, fund, now)
    return intent


def _paid_for(payer_id: uuid.UUID, key: str, purpose: Purpose) -> PaymentIntent | None:
    """The subsidy payment already made with this key, or holding this purpose."""
    by_key = db.session.scalar(
        db.select(PaymentIntent).where(
            PaymentIntent.payer_id == payer_id,
            PaymentIntent.idempotency_key == key,
            PaymentIntent.provider == SUBSIDY_PROVIDER,
        )
    )
    if by_key is not None:
        return by_key
    return db.session.scalar(
        db.select(PaymentIntent)
        .join(PaymentClaim, PaymentClaim.intent_id == PaymentIntent.id)
        .where(
            PaymentClaim.domain == purpose.domain,
            PaymentClaim.ref.in_(purpose.ids),
            PaymentIntent.provider == SUBSIDY_PROVIDER,
        )
        .limit(1)
    )


def subsidy_totals(
    domain: str, payee_kind: str, start: date, end: date, *, currency: str = "CNY"
) -> dict[str, tuple[int, int]]:
    """Per payee, (payments, fen) paid from subsidies for ``domain`` on business days [start, end].

    Read from the ledger's journals; the caller checks who may see it and bounds the range.
    """
    rows = db.session.execute(
        db.select(LedgerJournal.payee_id, func.count(), func.coalesce(func.sum(LedgerJournal.amount_fen), 0))
        .join(PaymentIntent, PaymentIntent.id == LedgerJournal.intent_id)
        .where(
            LedgerJournal.kind == ledger.PAYMENT,
            LedgerJournal.payee_kind == payee_kind,
            LedgerJournal.business_date >= start,
            LedgerJournal.business_date <= end,
            LedgerJournal.currency == currency,
            PaymentIntent.provider == SUBSIDY_PROVIDER,
            PaymentIntent.purpose_domain == domain,
        )
        .group_by(LedgerJournal.payee_id)
    )
    return {payee_id: (int(count), int(total)) for payee_id, count, total in rows}
