"""What a resident's home shows: cards, each from the domain whose business it is.

A domain with something needing the resident now registers, when installed, a provider
``home_cards(person_id) -> list[Card]`` (``register_cards``) that costs a constant number of queries
and writes its cards in the current locale. The home (app/home) gathers them, a guardian's beside
their elder's within the mandate's scopes, and ranks them: most urgent first, then the soonest.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from app.core.actors import MandateScope
from app.core.money import Money


class Urgency(IntEnum):
    """How soon the resident should act."""

    NOW = 0  # overdue, an emergency
    TODAY = 1  # today, or waiting on the resident
    SOON = 2  # within days
    LATER = 3  # worth a look


@dataclass(frozen=True)
class Card:
    """One thing needing the resident, as their home shows it."""

    domain: str
    kind: str
    urgency: Urgency
    title: str
    body: str
    count: int = 1
    due_at: datetime | None = None
    amount: Money | None = None
    target: str | None = None  # where the app handles it (an API path)

    def rank(self) -> tuple:
        """Most urgent first, then the soonest, then by domain."""
        return (int(self.urgency), self.due_at.timestamp() if self.due_at else float("inf"), self.domain)


@dataclass(frozen=True)
class CardSource:
    """A domain's card provider, and the mandate scope a proxy needs to see its cards for someone."""

    domain: str
    provider: Callable[[uuid.UUID], list[Card]]
    proxy_scope: MandateScope | None


_sources: dict[str, CardSource] = {}


def register_cards(
    domain: str, provider: Callable[[uuid.UUID], list[Card]], *, proxy_scope: MandateScope | None
) -> None:
    """Let the home show ``provider(person_id)``'s cards; a guardian sees them within ``proxy_scope``.

    ``proxy_scope=None``: the cards are the person's own business only (their inbox, their mandates).
    """
    _sources[domain] = CardSource(domain, provider, MandateScope(proxy_scope) if proxy_scope else None)


def card_sources() -> list[CardSource]:
    """Every registered provider, in the order the domains were installed."""
    return list(_sources.values())
