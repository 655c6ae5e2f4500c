"""Purposes: the domains that charge through the ledger, what they hear back, and their mandate scopes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.core.actors import MandateScope
from app.core.money import Money
from app.payments.models import (
    PaymentIntent,
)
from app.payments.services._shared import DOMAIN_PATTERN


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
