"""People: sign-in by SMS code, profile and preferences, real name, age, the access log."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext
from sqlalchemy import bindparam
from sqlalchemy.orm import joinedload

from app.core import audit
from app.core.actors import Actor, ActorKind
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.i18n import SUPPORTED_LOCALES, normalize_locale
from app.core.models import utcnow
from app.core.pagination import Page
from app.core.pii import age_on, lookup_hash
from app.core.policy import require_person
from app.core.views import WithFacts, with_facts
from app.extensions import db
from app.identity.models import (
    Person,
    RoleGrant,
)
from app.identity.tokens import Caller
from app.notifications import services as notifications

# What else happens when a person is created (mandates: invitations waiting for the number are claimed).
NEW_PERSON_HOOKS: list[Callable[[Person], None]] = []


def person_by_phone(phone: str) -> Person | None:
    """The person with this E.164 phone number, if any."""
    return db.session.scalar(db.select(Person).where(Person.phone == phone))


def get_or_create_person(phone: str, display_name: str = "") -> tuple[Person, bool]:
    """The person with this phone, created on first sign-in; returns (person, created)."""
    person = person_by_phone(phone)
    if person is not None:
        return person, False
    person = Person(phone=phone, display_name=display_name or phone[-4:])
    db.session.add(person)
    db.session.flush()
    for hook in NEW_PERSON_HOOKS:
        hook(person)
    return person, True


def people_by_id(person_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Person]:
    """Several people by id in one statement (a page's names); unknown ids are left out."""
    wanted = set(person_ids)
    if not wanted:
        return {}
    found = db.session.scalars(db.select(Person).where(Person.id.in_(wanted)))
    return {person.id: person for person in found}


def get_person(person_id: uuid.UUID) -> Person:
    """One person with their roles, in one round trip (404 if unknown)."""
    person = db.session.get(Person, person_id, options=[joinedload(Person.roles)])
    if person is None:
        raise NotFound()
    return person


def my_profile(actor: Actor) -> Person:
    """The signed-in person's own record (the entity, to change it)."""
    return get_person(require_person(actor))


def my_profile_as_read(actor: Actor) -> Person | Caller:
    """The signed-in person to show, not change: what the request's authentication read, if it did."""
    person_id = require_person(actor)
    caller = db.session.info.get("caller")
    if isinstance(caller, Caller) and caller.id == person_id:
        return caller
    return get_person(person_id)


def update_preferences(
    actor: Actor,
    *,
    locale: str | None = None,
    display_name: str | None = None,
    notification_channels: list[str] | None = None,
) -> WithFacts:
    """Change the signed-in person's language, display name or notification channels (everywhere)."""
    person = my_profile(actor)
    if locale is not None:
        chosen = normalize_locale(locale)  # BCP 47 (zh-Hant) or POSIX (zh_Hant), as Accept-Language
        if chosen not in SUPPORTED_LOCALES:
            raise ValidationFailed({"locale": [gettext("Unsupported language.")]})
        person.locale = chosen
    if display_name is not None:
        person.display_name = display_name
    if notification_channels is not None:  # the one store of channel choices is notifications'
        notifications.set_channels_everywhere(person.id, notification_channels)
    return profile_of(person)


def profile_of(person: Person | Caller) -> WithFacts:
    """The person with where their notifications go (the inbox always), as ``/me`` shows them."""
    return with_facts(person, notification_channels=notifications.channels_everywhere(person.id))


def my_profile_view(actor: Actor) -> WithFacts:
    """The signed-in person as ``/me`` shows them."""
    return profile_of(my_profile_as_read(actor))


def verify_real_name(actor: Actor, legal_name: str, national_id: str) -> Person:
    """Record the person's legal name and national ID (already validated); one ID, one person."""
    person = get_person(require_person(actor))
    id_hash = lookup_hash(national_id)
    if person.national_id_hash is not None and person.national_id_hash != id_hash:
        raise Conflict(gettext("Your real name is already verified with another ID number."))
    holder = db.session.scalar(
        db.select(Person.id).where(Person.national_id_hash == id_hash, Person.id != person.id)
    )
    if holder is not None:
        raise Conflict(gettext("This ID number belongs to another account."))
    person.legal_name = legal_name.strip()
    person.national_id = national_id
    person.national_id_hash = id_hash
    person.verified_at = person.verified_at or utcnow()
    db.session.flush()
    return person


def is_real_name_verified(person_id: uuid.UUID) -> bool:
    """The person has given a legal name and a valid national ID."""
    return get_person(person_id).verified_at is not None


# Built once: the home runs it on every visit (see docs/adding-a-domain.md, "hot statements").
_NATIONAL_ID_HASH = db.select(Person.national_id_hash).where(Person.id == bindparam("person_id"))


def national_id_hash_statement():
    """The statement of :func:`national_id_hash_of` (bound by ``person_id``), for another domain's query."""
    return _NATIONAL_ID_HASH


def national_id_hash_of(person_id: uuid.UUID) -> str | None:
    """The keyed hash of the person's verified national ID (how institutions' records find them)."""
    return db.session.scalar(_NATIONAL_ID_HASH, {"person_id": person_id})


def people_by_national_id_hash(hashes: Iterable[str]) -> dict[str, uuid.UUID]:
    """The people whose verified national IDs have these keyed hashes, by hash (one query)."""
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    rows = db.session.execute(
        db.select(Person.national_id_hash, Person.id).where(Person.national_id_hash.in_(wanted))
    )
    return {row.national_id_hash: row.id for row in rows}


def age_of(person_id: uuid.UUID, on: date | None = None) -> int | None:
    """The person's age in whole years (in Shanghai time today unless ``on``), None before real-name."""
    person = get_person(person_id)
    if person.national_id is None:
        return None
    today = on or datetime.now(ZoneInfo(current_app.config["BUSINESS_TIMEZONE"])).date()
    return age_on(person.national_id, today)


def access_log(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """Every staff, proxy or institutional touch of the signed-in person's data."""
    person_id = require_person(actor)
    if actor.kind is ActorKind.PROXY:
        raise NotFound()
    return audit.entries_about(person_id, cursor=cursor, limit=limit)


def people_with_role(role: str, department_id: uuid.UUID | None = None) -> list[uuid.UUID]:
    """The ids of everyone holding ``role`` (in ``department_id`` when given): who to tell about work."""
    stmt = db.select(RoleGrant.person_id).where(RoleGrant.role == role)
    if department_id is not None:
        stmt = stmt.where(RoleGrant.department_id == department_id)
    return sorted(set(db.session.scalars(stmt)))
