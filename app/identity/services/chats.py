"""A linked chat between updates: what it is in the middle of, whom it acts for, the last update handled.

The bot keeps its conversations here rather than in its own process, so a restart (or another bot
process behind the same webhook) resumes a conversation where the resident left it, and a delivery
Telegram repeats is handled once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import or_, update

from app.core.actors import Actor
from app.core.models import utcnow
from app.extensions import db
from app.identity.models import AccountLink, Person
from app.identity.services.links import person_actor

CONVERSATION_TTL = timedelta(hours=2)  # a conversation left longer than this starts over


@dataclass
class LinkedChat:
    """A chat linked to a person: the person as an actor, and the chat's kept state."""

    actor: Actor
    display_name: str
    conversation: dict = field(default_factory=dict)
    acting_for_id: uuid.UUID | None = None


def _link_where(provider: str, external_id: int | str):
    return (AccountLink.provider == provider, AccountLink.external_id == str(external_id))


def claim_update(provider: str, external_id: int | str, update_id: int) -> bool:
    """Mark an update of a linked chat as being handled; False when it was handled already.

    The claim belongs to the caller's transaction: a handling that fails gives the update back, and a
    second delivery of the same update waits for the first and then finds it taken.
    """
    claimed = db.session.execute(
        update(AccountLink)
        .where(
            *_link_where(provider, external_id),
            or_(AccountLink.last_update_id.is_(None), AccountLink.last_update_id < update_id),
        )
        .values(last_update_id=update_id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount == 1:
        return True
    exists = db.session.scalar(db.select(AccountLink.id).where(*_link_where(provider, external_id)))
    return exists is None  # an unlinked chat has nothing to repeat


def linked_chat(provider: str, external_id: int | str) -> LinkedChat | None:
    """The person a chat is linked to and the chat's state (None when the chat is not linked)."""
    row = db.session.execute(
        db.select(AccountLink, Person)
        .join(Person, Person.id == AccountLink.person_id)
        .where(*_link_where(provider, external_id))
    ).first()
    if row is None:
        return None
    link, person = row
    fresh = link.conversation_at is not None and link.conversation_at > utcnow() - CONVERSATION_TTL
    return LinkedChat(
        actor=person_actor(person, provider),
        display_name=person.display_name,
        conversation=dict(link.conversation or {}) if fresh else {},
        acting_for_id=link.acting_for_id,
    )


def keep_chat_state(
    provider: str, external_id: int | str, *, conversation: dict, acting_for_id: uuid.UUID | None
) -> None:
    """Keep what a linked chat is in the middle of, and whom it acts for, until its next update."""
    db.session.execute(
        update(AccountLink)
        .where(*_link_where(provider, external_id))
        .values(conversation=conversation or None, acting_for_id=acting_for_id, conversation_at=utcnow())
        .execution_options(synchronize_session=False)
    )
