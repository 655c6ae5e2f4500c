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
from typing import Any

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


# --- providers the home runs in one statement ----------------------------------------------------------


@dataclass(frozen=True)
class CardQuery:
    """A provider's cards from one row of one statement, so the home can run many in one round trip.

    ``statement`` returns at most one row (an aggregate, or ``LIMIT 1``); it is bound by
    ``person_id``, ``now`` and the names ``params(now)`` gives. ``build(row, person_id, now)`` writes
    the cards from that row: a tuple of the statement's columns in order, all ``None`` when it
    returned no row. ``build`` may run one more statement when the row says there is something to
    detail (a rare case, such as a seat held for the resident), never one per card.
    """

    statement: Any
    build: Callable[[tuple, uuid.UUID, datetime], list[Card]]
    params: Callable[[datetime], dict] | None = None

    def bind(self, person_id: uuid.UUID, now: datetime) -> dict:
        """The statement's bound values."""
        return {"person_id": person_id, "now": now, **(self.params(now) if self.params else {})}

    def run(self, person_id: uuid.UUID, now: datetime) -> list[Card]:
        """The cards from this statement alone (a provider called by itself)."""
        from app.extensions import db

        row = db.session.execute(self.statement, self.bind(person_id, now)).first()
        width = len(self.statement.selected_columns)
        return self.build(tuple(row) if row is not None else (None,) * width, person_id, now)


def folded(
    statement, *, params: Callable[[datetime], dict] | None = None
) -> Callable[[Callable], Callable[[uuid.UUID], list[Card]]]:
    """Make ``build(row, person_id, now)`` a card provider the home can fold (see :class:`CardQuery`).

    Called by itself the provider runs its statement and builds the cards as before; the home reads
    ``provider.card_queries`` and runs every provider's statement in one (:func:`gather`).
    """

    def wrap(build: Callable) -> Callable[[uuid.UUID], list[Card]]:
        query = CardQuery(statement, build, params)

        def provider(person_id: uuid.UUID) -> list[Card]:
            from app.core.models import utcnow

            return query.run(person_id, utcnow())

        provider.card_queries = (query,)  # type: ignore[attr-defined]
        provider.__name__, provider.__doc__ = build.__name__, build.__doc__
        return provider

    return wrap


def joined(*providers: Callable[[uuid.UUID], list[Card]]) -> Callable[[uuid.UUID], list[Card]]:
    """One domain's several folded providers as one (their cards in order)."""

    def provider(person_id: uuid.UUID) -> list[Card]:
        return [card for each in providers for card in each(person_id)]

    provider.card_queries = tuple(q for p in providers for q in p.card_queries)  # type: ignore[attr-defined]
    return provider


def queries_of(provider: Callable) -> tuple[CardQuery, ...] | None:
    """The provider's folded statements, or None for a provider that runs its own."""
    return getattr(provider, "card_queries", None)


_SHARED_PARAMS = ("person_id", "now")


def _renamed(statement, prefix: str):
    """``statement`` with its bound names prefixed, but ``person_id`` and ``now`` (shared by all).

    An ``IN`` of fixed values (``status.in_([...])``) becomes an ``IN`` of one bound value each:
    SQLAlchemy renders an expanding ``IN`` again at every execution (of the whole statement's text),
    the plain one once, when it compiles the statement.
    """
    from sqlalchemy import bindparam, literal
    from sqlalchemy.sql import operators, visitors
    from sqlalchemy.sql.elements import BinaryExpression, BindParameter

    def replace(element):
        if isinstance(element, BindParameter) and not element.unique and element.key not in _SHARED_PARAMS:
            return bindparam(prefix + element.key, type_=element.type)
        if (
            isinstance(element, BinaryExpression)
            and element.operator in (operators.in_op, operators.not_in_op)
            and isinstance(element.right, BindParameter)
            and element.right.expanding
            and element.right.unique
            and element.right.callable is None
            and element.right.value
        ):
            values = [literal(value, type_=element.right.type) for value in element.right.value]
            left = element.left
            return left.in_(values) if element.operator is operators.in_op else left.not_in(values)
        return None

    return visitors.replacement_traverse(statement, {}, replace)


@dataclass(frozen=True)
class _Gathered:
    statement: Any
    slices: tuple[tuple[str, CardQuery, int, int], ...]  # (prefix, query, first column, end)


_gathered: dict[tuple[int, ...], _Gathered] = {}


def _gather_statement(queries: tuple[CardQuery, ...]) -> _Gathered:
    """One ``SELECT`` of every query's columns: each query a subquery, left-joined on true."""
    key = tuple(id(q) for q in queries)
    built = _gathered.get(key)
    if built is not None:
        return built
    from sqlalchemy import literal_column, select, true

    base = select(literal_column("1").label("home")).subquery("home")
    joined_from, columns, slices = base, [], []
    for n, query in enumerate(queries):
        prefix = f"q{n}_"
        sub = _renamed(query.statement, prefix).subquery(f"q{n}")
        joined_from = joined_from.outerjoin(sub, true())
        start = len(columns)
        columns.extend(column.label(f"{prefix}{i}") for i, column in enumerate(sub.c))
        slices.append((prefix, query, start, len(columns)))
    built = _Gathered(select(*columns).select_from(joined_from), tuple(slices))
    _gathered[key] = built
    return built


def gather(providers: list[Callable], person_id: uuid.UUID, now: datetime) -> list[Card]:
    """Every provider's cards: the folded ones' statements run as one, the others called in turn."""
    from app.extensions import db

    queries = tuple(q for p in providers for q in (queries_of(p) or ()))
    cards: list[Card] = []
    if queries:
        built = _gather_statement(queries)
        values: dict = {"person_id": person_id, "now": now}
        for prefix, query, _, _ in built.slices:
            values.update({prefix + k: v for k, v in (query.params(now) if query.params else {}).items()})
        # Through the session's connection for the statement (the bind the session would pick, a
        # replica included): the statement's columns are plain values, and the ORM's result set-up
        # for its fifty-odd columns cost the worker more than the row itself.
        statement = built.statement
        connection = db.session.connection(bind_arguments={"clause": statement})
        row = tuple(connection.execute(statement, values).one())
        for _, query, start, end in built.slices:
            cards.extend(query.build(row[start:end], person_id, now))
    for provider in providers:
        if queries_of(provider) is None:
            cards.extend(provider(person_id))
    return cards
