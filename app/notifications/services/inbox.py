"""The in-app inbox: every message a person gets, read and unread."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext, ngettext
from sqlalchemy import bindparam, func, update

from app.core.actors import Actor
from app.core.cards import Card, Urgency, folded
from app.core.errors import NotFound
from app.core.models import utcnow
from app.core.pagination import paginate
from app.core.policy import own_person
from app.extensions import db
from app.notifications.models import (
    InboxItem,
)


@dataclass
class InboxPage:
    """A page of inbox items and how many of the person's items are unread."""

    items: list[InboxItem]
    next_cursor: str | None
    limit: int
    unread_count: int


def my_inbox(actor: Actor, *, cursor: str | None, limit: int, unread_only: bool = False) -> InboxPage:
    """The signed-in person's inbox, newest first, with the unread count."""
    person_id = own_person(actor)
    stmt = db.select(InboxItem).where(InboxItem.person_id == person_id)
    if unread_only:
        stmt = stmt.where(InboxItem.read_at.is_(None))
    page = paginate(stmt, InboxItem.id, cursor=cursor, limit=limit)
    return InboxPage(page.items, page.next_cursor, page.limit, unread_count(person_id))


# Built once: the home runs it on every visit (see docs/adding-a-domain.md, "hot statements").
_UNREAD = db.select(func.count()).where(
    InboxItem.person_id == bindparam("person_id"), InboxItem.read_at.is_(None)
)


def unread_count(person_id: uuid.UUID) -> int:
    """How many inbox items the person has not read."""
    return db.session.scalar(_UNREAD, {"person_id": person_id})


def mark_read(actor: Actor, item_id: uuid.UUID) -> InboxItem:
    """Mark one of the person's inbox items read (another person's item does not exist for them)."""
    item = db.session.get(InboxItem, item_id)
    if item is None or item.person_id != own_person(actor):
        raise NotFound()
    if item.read_at is None:
        item.read_at = utcnow()
    return item


def mark_all_read(actor: Actor) -> int:
    """Mark every unread item of the person's inbox read; returns how many changed."""
    person_id = own_person(actor)
    result = db.session.execute(
        update(InboxItem)
        .where(InboxItem.person_id == person_id, InboxItem.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


@folded(_UNREAD)
def home_cards(row: tuple, person_id: uuid.UUID, now: datetime) -> list[Card]:
    """Unread messages in the inbox (one query)."""
    (unread,) = row
    if not unread:
        return []
    return [
        Card(
            "notifications",
            "inbox_unread",
            Urgency.LATER,
            ngettext("%(num)d unread message", "%(num)d unread messages", unread),
            gettext("Your inbox has news for you."),
            count=unread,
            target="/api/v1/me/inbox?unread_only=true",
        )
    ]
