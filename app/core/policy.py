"""One way to check permissions: predicates services combine into named policies, and refusals.

A refusal to *act* is a 403 (:class:`Forbidden`); a record the actor may not see does not exist
for them (404, through :mod:`app.core.access`). The system actor (jobs, the outbox relay) passes
every record check and holds no role.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask_babel import gettext

from app.core.actors import Actor, ActorKind, MandateScope, Role
from app.core.errors import Forbidden, Unauthenticated

Policy = Callable[[Actor, Any], bool]  # may this actor see (or change) this record?


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
        and not actor.has_role(Role.ADMIN)
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


def own_person(actor: Actor) -> uuid.UUID:
    """The signed-in person themself, for what no mandate covers (their inbox, their preferences)."""
    if actor.kind is not ActorKind.PERSON or actor.person_id is None:
        raise Forbidden(gettext("Only the person themself can do this."))
    return actor.person_id


def acting_for(actor: Actor, scope: MandateScope) -> uuid.UUID:
    """Whose resident data the actor acts on for ``scope``: themself, or a proxy's grantor (403 outside).

    For creating and listing; a single record goes through ``app.core.access.load_private`` (404).
    """
    resident = require_person(actor)
    if actor.kind is ActorKind.PROXY and MandateScope(scope) not in actor.proxy_scopes:
        raise Forbidden(gettext("Your mandate does not cover %(scope)s.", scope=str(scope)))
    return resident


# --- predicates -----------------------------------------------------------------------------------


def is_system(actor: Actor) -> bool:
    """The system itself (a job, the relay)."""
    return actor.kind is ActorKind.SYSTEM


def is_admin(actor: Actor) -> bool:
    """A person holding the administrator role."""
    return actor.kind is ActorKind.PERSON and actor.has_role(Role.ADMIN)


def has_role(actor: Actor, *roles: str) -> bool:
    """A person (not a proxy) holding one of ``roles``."""
    return actor.kind is ActorKind.PERSON and actor.has_role(*roles)


def is_client(actor: Actor, client_id: str | None = None, scope: str | None = None) -> bool:
    """An institution's client (``client_id`` when given) carrying ``scope`` (when given)."""
    if actor.kind is not ActorKind.CLIENT:
        return False
    if client_id is not None and actor.client_id != client_id:
        return False
    return scope is None or actor.has_scope(scope)


def acts_for(actor: Actor, person_id: uuid.UUID | None, scope: MandateScope) -> bool:
    """The actor is ``person_id`` themself, or holds a mandate from them covering ``scope``."""
    if person_id is None:
        return False
    if actor.kind is ActorKind.PERSON:
        return actor.person_id == person_id
    if actor.kind is ActorKind.PROXY:
        return actor.principal_id == person_id and MandateScope(scope) in actor.proxy_scopes
    return False
