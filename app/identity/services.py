"""People, roles and preferences; the authenticator every route relies on."""

from __future__ import annotations

import uuid

from flask_babel import gettext

from app.city import services as city_services
from app.core import audit
from app.core.actors import Actor, ActorKind, Role
from app.core.api import set_authenticator
from app.core.errors import NotFound, ValidationFailed
from app.core.i18n import SUPPORTED_LOCALES
from app.core.pagination import Page
from app.core.policy import require_person, require_role
from app.extensions import db
from app.identity import tokens
from app.identity.models import AccountLink, Person, RoleGrant

ROLES_NEEDING_DEPARTMENT = frozenset({Role.DEPARTMENT_HANDLER})
ROLES_NEEDING_MERCHANT = frozenset({Role.MERCHANT_OWNER, Role.MERCHANT_STAFF})


def install_authenticator() -> None:
    """Make bearer tokens resolve to actors on every request."""
    set_authenticator(lambda token: tokens.actor_from_claims(tokens.verify_access_token(token)))


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
    return person, True


def get_person(person_id: uuid.UUID) -> Person:
    """One person (404 if unknown)."""
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound()
    return person


def my_profile(actor: Actor) -> Person:
    """The signed-in person's own record."""
    return get_person(require_person(actor))


def update_preferences(actor: Actor, *, locale: str | None = None, display_name: str | None = None) -> Person:
    """Change the signed-in person's language or display name."""
    person = my_profile(actor)
    if locale is not None:
        if locale not in SUPPORTED_LOCALES:
            raise ValidationFailed({"locale": [gettext("Unsupported language.")]})
        person.locale = locale
    if display_name is not None:
        person.display_name = display_name
    return person


def grant_role(
    actor: Actor,
    person: Person,
    role: str,
    *,
    department_code: str | None = None,
    merchant_id: uuid.UUID | None = None,
) -> RoleGrant:
    """Give ``person`` a role (administrators, or the system for the command line)."""
    if actor.kind is not ActorKind.SYSTEM:
        require_role(actor, Role.ADMIN)
    department_id = _department_for(role, department_code)
    if role in ROLES_NEEDING_MERCHANT and merchant_id is None:
        raise ValidationFailed({"merchant_id": [gettext("This role needs a merchant.")]})
    existing = next(
        (
            g
            for g in person.roles
            if g.role == role and g.department_id == department_id and g.merchant_id == merchant_id
        ),
        None,
    )
    if existing is not None:
        return existing
    grant = RoleGrant(
        role=role, department_id=department_id, merchant_id=merchant_id, granted_by_id=actor.person_id
    )
    person.roles.append(grant)
    db.session.flush()
    return grant


def _department_for(role: str, department_code: str | None) -> uuid.UUID | None:
    if role not in {r.value for r in Role}:
        raise ValidationFailed({"role": [gettext("Unknown role.")]})
    if department_code is None:
        if role in ROLES_NEEDING_DEPARTMENT:
            raise ValidationFailed({"department": [gettext("This role needs a department.")]})
        return None
    department = city_services.department_by_code(department_code)
    if department is None:
        raise ValidationFailed({"department": [gettext("Unknown department.")]})
    return department.id


def access_log(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """Every staff, proxy or institutional touch of the signed-in person's data."""
    person_id = require_person(actor)
    if actor.kind is ActorKind.PROXY:
        raise NotFound()
    return audit.entries_about(person_id, cursor=cursor, limit=limit)


def linked_account_id(person_id: uuid.UUID, provider: str) -> str | None:
    """The person's id on another front end (e.g. their Telegram chat id), if they linked one."""
    return db.session.scalar(
        db.select(AccountLink.external_id).where(
            AccountLink.person_id == person_id, AccountLink.provider == provider
        )
    )
