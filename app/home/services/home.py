"""The resident's home (千人千面): what needs them now, from every domain, and their elders' beside it.

Each domain registers a card provider (``app.core.cards.register_cards``) declaring its one-row
statement (``app.core.cards.folded``); the home runs all of them as one statement for the resident
and one for each person whose mandate they hold (at most ``MAX_PRINCIPALS``), over the providers
the mandate's scopes cover; the mandates held and the shortcuts' uses come in one more. So a home
costs a fixed handful of statements plus one per elder, whatever the resident has
(``tests/test_statements.py`` pins it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import JSON, Integer, String, Uuid, cast, null, union_all

from app.core import audit
from app.core.actors import Actor, ActorKind, MandateScope
from app.core.audit import AuditAction
from app.core.cards import Card, CardSource, card_sources, gather
from app.core.models import UTCDateTime, utcnow
from app.core.policy import require_person
from app.extensions import db
from app.home.services.directory import USES, shortcuts_from
from app.identity import services as identity

MAX_PRINCIPALS = 10
GLANCE = timedelta(hours=1)  # a guardian's look at an elder's cards is logged at most hourly


@dataclass
class Section:
    """One person's cards: the resident's own, or an elder's they act for (``scopes`` then set)."""

    person_id: uuid.UUID
    display_name: str | None
    cards: list[Card]
    scopes: list[str] = field(default_factory=list)


def _lists():
    """The shortcuts' uses and the mandates held, as one statement: (use columns, principal columns).

    Each half's columns are ``NULL`` in the other's rows, typed so that the first half's columns
    read both halves' values.
    """
    uses, held = USES.subquery("uses"), identity.PRINCIPALS.subquery("held")
    return union_all(
        db.select(
            *uses.c,
            cast(null(), Uuid).label("grantor_id"),
            cast(null(), JSON).label("scopes"),
            cast(null(), String).label("display_name"),
            cast(null(), Uuid).label("mandate_id"),
        ),
        db.select(
            cast(null(), String),
            cast(null(), Integer),
            cast(null(), Integer),
            cast(null(), UTCDateTime),
            *held.c,
        ),
    )


_LISTS = _lists()  # built once: every home runs it


def cards_of(person_id: uuid.UUID, scopes: frozenset[MandateScope] | None = None) -> list[Card]:
    """A person's cards, ranked; within ``scopes`` only (a proxy's view) when given.

    The providers that declare their statement (``app.core.cards.folded``: every one today) run in
    one statement together; any other is called in turn.
    """
    providers = [source.provider for source in card_sources() if scopes is None or _covered(source, scopes)]
    return sorted(gather(providers, person_id, utcnow()), key=Card.rank)


def _covered(source: CardSource, scopes: frozenset[MandateScope]) -> bool:
    return source.proxy_scope is not None and source.proxy_scope in scopes


def home_of(actor: Actor) -> dict:
    """The home for the caller.

    A resident sees their own cards, their service shortcuts, and beside them a section for each
    person who gave them a mandate, with that person's cards in the mandate's scopes (each look
    written to that person's access log). A proxy request (``X-On-Behalf-Of``) sees that person's
    section only.
    """
    person_id = require_person(actor)
    if actor.kind is ActorKind.PROXY:
        scopes = frozenset(actor.proxy_scopes)
        audit.record(
            actor,
            person_id,
            AuditAction.LIST,
            "home",
            reason=f"mandate {actor.mandate_id}",
            at_most_every=GLANCE,
        )
        principal = identity.get_person(person_id)
        section = Section(person_id, principal.display_name, cards_of(person_id, scopes), sorted(scopes))
        return {"generated_at": utcnow(), "mine": None, "shortcuts": [], "on_behalf": [section]}
    mine = Section(person_id, identity.my_profile_as_read(actor).display_name, cards_of(person_id))
    values = {"person_id": person_id, "grantee_id": person_id, "moment": utcnow(), "limit": MAX_PRINCIPALS}
    uses, held = [], []
    for row in db.session.execute(_LISTS, values):
        (uses if row[4] is None else held).append(row)
    others = []
    for principal in identity.principals_from(row[4:] for row in held):
        scopes = frozenset(MandateScope(scope) for scope in principal.scopes)
        audit.record(
            actor,
            principal.person_id,
            AuditAction.LIST,
            "home",
            reason="guardian's home",
            at_most_every=GLANCE,
        )
        cards = cards_of(principal.person_id, scopes)
        others.append(Section(principal.person_id, principal.display_name, cards, sorted(scopes)))
    return {
        "generated_at": utcnow(),
        "mine": mine,
        "shortcuts": shortcuts_from(row[:4] for row in uses),
        "on_behalf": others,
    }
