"""Account links: a one-time code links a Telegram chat to a person."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from sqlalchemy import or_, update

from app.core.actors import Actor, ActorKind
from app.core.errors import NotFound
from app.core.models import utcnow
from app.core.pii import lookup_hash
from app.core.policy import require_person
from app.extensions import db
from app.identity import notices
from app.identity.errors import LinkCodeRejected
from app.identity.models import (
    AccountLink,
    AccountLinkCode,
    Person,
)
from app.identity.services._shared import LINK_CODE_ALPHABET, LINK_CODE_LENGTH, LINK_CODE_TTL, LINK_PROVIDERS
from app.identity.services.people import get_person


def create_link_code(actor: Actor, provider: str) -> tuple[str, datetime]:
    """A one-time code, valid ten minutes, that links the person's account on ``provider``."""
    person_id = require_person(actor)
    if provider not in LINK_PROVIDERS:
        raise NotFound()
    code = "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(LINK_CODE_LENGTH))
    expires_at = utcnow() + LINK_CODE_TTL
    db.session.add(
        AccountLinkCode(
            person_id=person_id, provider=provider, code_hash=_link_code_hash(code), expires_at=expires_at
        )
    )
    db.session.flush()
    return code, expires_at


def _link_code_hash(code: str) -> str:
    normalized = "".join(ch for ch in code.upper() if ch.isalnum())
    return lookup_hash("link:" + normalized)


def redeem_link_code(code: str, telegram_chat_id: int | str) -> Person:
    """Link a Telegram chat to the person whose code it presents (the bot calls this); single use."""
    now = utcnow()
    row = db.session.scalar(
        db.select(AccountLinkCode).where(AccountLinkCode.code_hash == _link_code_hash(code))
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise LinkCodeRejected()
    claimed = db.session.execute(
        update(AccountLinkCode)
        .where(AccountLinkCode.id == row.id, AccountLinkCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise LinkCodeRejected()
    external_id = str(telegram_chat_id)
    db.session.execute(
        db.delete(AccountLink).where(
            AccountLink.provider == row.provider,
            or_(AccountLink.person_id == row.person_id, AccountLink.external_id == external_id),
        )
    )
    link = AccountLink(person_id=row.person_id, provider=row.provider, external_id=external_id)
    db.session.add(link)
    db.session.flush()
    if row.provider == "telegram":
        notices.telegram_linked(row.person_id, link.id)
    return get_person(row.person_id)


def linked_account_id(person_id: uuid.UUID, provider: str) -> str | None:
    """The person's id on another front end (e.g. their Telegram chat id), if they linked one."""
    return db.session.scalar(
        db.select(AccountLink.external_id).where(
            AccountLink.person_id == person_id, AccountLink.provider == provider
        )
    )


def person_by_linked_account(provider: str, external_id: int | str) -> Person | None:
    """The person who linked this account (e.g. a Telegram chat id), if any."""
    return db.session.scalar(
        db.select(Person)
        .join(AccountLink, AccountLink.person_id == Person.id)
        .where(AccountLink.provider == provider, AccountLink.external_id == str(external_id))
    )


def list_links(actor: Actor) -> list[AccountLink]:
    """The signed-in person's linked accounts."""
    person_id = require_person(actor)
    return list(db.session.scalars(db.select(AccountLink).where(AccountLink.person_id == person_id)))


def remove_link(actor: Actor, provider: str) -> None:
    """Unlink the person's account on ``provider`` (404 when there is none)."""
    person_id = require_person(actor)
    link = db.session.scalar(
        db.select(AccountLink).where(AccountLink.person_id == person_id, AccountLink.provider == provider)
    )
    if link is None:
        raise NotFound()
    db.session.delete(link)
    db.session.flush()


def actor_for_linked_account(provider: str, external_id: int | str) -> Actor | None:
    """The person behind a linked front-end account (the bot's chat), as an actor; None if unlinked."""
    person = person_by_linked_account(provider, external_id)
    if person is None:
        return None
    return person_actor(person, provider)


def person_actor(person: Person, provider: str) -> Actor:
    """The actor a person is on a linked front end (``client_id`` names the front end)."""
    return Actor(
        kind=ActorKind.PERSON,
        person_id=person.id,
        roles=frozenset(grant.role for grant in person.roles),
        department_ids=frozenset(g.department_id for g in person.roles if g.department_id),
        merchant_ids=frozenset(g.merchant_id for g in person.roles if g.merchant_id),
        client_id=provider,
        locale=person.locale,
    )
