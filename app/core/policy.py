"""One way to check permissions: services call these and they raise domain errors."""

from __future__ import annotations

import uuid

from flask_babel import gettext

from app.core.actors import Actor, ActorKind
from app.core.errors import Forbidden, NotFound, Unauthenticated


def require_authenticated(actor: Actor | None) -> Actor:
    """There is an actor at all."""
    if actor is None:
        raise Unauthenticated()
    return actor


def require_role(actor: Actor, *roles: str, department_id: uuid.UUID | None = None) -> None:
    """The actor is a person holding one of ``roles`` (in ``department_id`` when given)."""
    if actor.kind is not ActorKind.PERSON or not actor.has_role(*roles):
        raise Forbidden(gettext("This needs one of these roles: %(roles)s.", roles=", ".join(roles)))
    if (
        department_id is not None
        and department_id not in actor.department_ids
        and not actor.has_role("admin")
    ):
        raise Forbidden(gettext("This belongs to another department."))


def require_scope(actor: Actor, scope: str) -> None:
    """The actor's token or client carries ``scope``."""
    if not actor.has_scope(scope):
        raise Forbidden(gettext("This needs the scope %(scope)s.", scope=scope))


def require_person(actor: Actor) -> uuid.UUID:
    """The actor is a person (or a proxy for one); returns whose resident data is touched."""
    if actor.kind not in (ActorKind.PERSON, ActorKind.PROXY) or actor.resident_id is None:
        raise Forbidden(gettext("Only a signed-in resident can do this."))
    return actor.resident_id


def acting_resident(actor: Actor, mandate_scope: str) -> uuid.UUID:
    """Whose resident data the actor may touch for ``mandate_scope``.

    A person acts for themself; a proxy only within the scopes the mandate granted.
    """
    resident = require_person(actor)
    if actor.kind is ActorKind.PROXY and mandate_scope not in actor.proxy_scopes:
        raise Forbidden(gettext("Your mandate does not cover %(scope)s.", scope=mandate_scope))
    return resident


def private_resident(actor: Actor, mandate_scope: str) -> uuid.UUID:
    """Like ``acting_resident``, for reading private records: a refusal is a 404, not a 403."""
    try:
        return acting_resident(actor, mandate_scope)
    except Forbidden:
        raise NotFound() from None


def require_owner(actor: Actor, owner_id: uuid.UUID, mandate_scope: str) -> None:
    """The record belongs to the resident the actor acts for; otherwise it does not exist (404)."""
    if private_resident(actor, mandate_scope) != owner_id:
        raise NotFound()
