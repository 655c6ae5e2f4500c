"""Payment providers behind one interface; the sandbox (app.payments.sandbox) is the default.

A provider starts a charge for an intent, answers what became of it, closes it, refunds it, and
verifies the signed callbacks it sends. Replay of callback event ids is checked by the services,
the same way for every provider.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from flask import current_app

from app.core.errors import NotFound
from app.core.money import Money
from app.payments.errors import ProviderUnavailable

if TYPE_CHECKING:
    from app.payments.models import PaymentIntent, PaymentRefund


class ChargeStatus(StrEnum):
    """A charge as the provider sees it."""

    OPEN = "open"  # waiting for the payer
    CAPTURED = "captured"  # the money was taken
    DECLINED = "declined"  # the payer's bank or wallet refused
    CLOSED = "closed"  # closed before anything was paid


@dataclass(frozen=True)
class ProviderCharge:
    """A started charge: the provider's reference and what the client needs to complete it."""

    provider_ref: str
    client_action: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ChargeState:
    """The provider's answer about one charge."""

    status: ChargeStatus
    failure_code: str | None = None


@dataclass(frozen=True)
class ProviderRefund:
    """A refund the provider accepted."""

    provider_ref: str


@dataclass(frozen=True)
class CallbackEvent:
    """A verified callback: the final outcome of one charge."""

    event_id: str
    intent_id: uuid.UUID
    provider_ref: str
    succeeded: bool
    amount: Money
    failure_code: str | None = None


class PaymentProvider(Protocol):
    """What every provider adapter does."""

    name: str

    def start_charge(self, intent: PaymentIntent, options: Mapping[str, str]) -> ProviderCharge:
        """Open a charge for a new intent (idempotent per intent)."""
        ...

    def query_charge(self, intent: PaymentIntent, now: datetime) -> ChargeState:
        """Ask what became of the intent's charge."""
        ...

    def close_charge(self, intent: PaymentIntent, now: datetime) -> bool:
        """Close an unpaid charge; False when it was already captured or declined."""
        ...

    def refund(self, intent: PaymentIntent, refund: PaymentRefund) -> ProviderRefund:
        """Pay back part or all of a captured charge, or raise ProviderUnavailable."""
        ...

    def verify_callback(self, headers: Mapping[str, str], body: bytes, now: datetime) -> CallbackEvent:
        """Check signature and freshness of a callback and read it, or raise a callback problem."""
        ...


_ADAPTERS: dict[str, tuple[Callable[[], PaymentProvider], bool]] = {}


def register_provider(name: str, factory: Callable[[], PaymentProvider], *, sandbox: bool = False) -> None:
    """Make an adapter available under ``name`` (a sandbox one only where sandboxes are allowed)."""
    _ADAPTERS[name] = (factory, sandbox)


def provider_named(name: str) -> PaymentProvider:
    """The adapter called ``name``; 404 for a provider this deployment does not run."""
    factory, sandbox = _ADAPTERS.get(name, (None, False))
    if factory is None or (sandbox and not current_app.config["SANDBOX_PROVIDERS"]):
        raise NotFound()
    return factory()


def default_provider() -> PaymentProvider:
    """The provider new intents are charged through (PAYMENTS_PROVIDER)."""
    try:
        return provider_named(current_app.config["PAYMENTS_PROVIDER"])
    except NotFound:
        raise ProviderUnavailable() from None
