"""Loading a private record: one helper for every domain, 404 for anyone who may not see it.

``load_private`` answers a resident their own record, a proxy the grantor's record within the
mandate's scope, and whoever the domain's named policy (``also``) admits — staff of the right
department, the institution the record concerns; everyone else gets 404, exactly as for an id
that does not exist. Every read or change by someone other than the owner is written to the
owner's access log. The system actor (jobs) may load anything.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from app.core import audit
from app.core.actors import Actor, MandateScope
from app.core.audit import AuditAction
from app.core.errors import NotFound
from app.core.policy import Policy, acting_for, acts_for, is_system
from app.extensions import db

T = TypeVar("T")
Scope = MandateScope | Callable[[Any], MandateScope]
Owner = str | Callable[[Any], Any]


def load_private(
    actor: Actor,
    model: type[T],
    record_id: uuid.UUID,
    *,
    scope: Scope,
    owner: Owner = "person_id",
    action: AuditAction = AuditAction.READ,
    also: Policy | None = None,
    lock: bool = False,
    resource: str | None = None,
) -> T:
    """The record ``record_id`` of ``model`` if ``actor`` may see it (404 otherwise); audited."""
    record = db.session.get(model, record_id, with_for_update=lock or None, populate_existing=lock)
    if record is None:
        raise NotFound()
    return authorize_private(
        actor, record, scope=scope, owner=owner, action=action, also=also, resource=resource
    )


def authorize_private(
    actor: Actor,
    record: T,
    *,
    scope: Scope,
    owner: Owner = "person_id",
    action: AuditAction = AuditAction.READ,
    also: Policy | None = None,
    resource: str | None = None,
) -> T:
    """The same check for a record found another way (by number, in a join): 404 unless allowed.

    ``owner`` names the attribute holding the owner's person id, or is a function returning the
    ids of everyone whose record it is (the followers of a complaint, say).
    """
    owners = list(owner(record)) if callable(owner) else [getattr(record, owner)]
    subject = owners[0] if owners else None
    if not is_system(actor):
        record_scope = scope(record) if callable(scope) else scope
        mine = next((person for person in owners if acts_for(actor, person, record_scope)), None)
        if mine is not None:
            subject = mine
        elif also is None or not also(actor, record):
            raise NotFound()
    audit.record(actor, subject, action, resource or _kind_of(record), getattr(record, "id", None))
    return record


def _kind_of(record) -> str:
    """``PaymentIntent`` -> ``payment_intent``: what the access log calls the record."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(record).__name__).lower()


def list_owner(actor: Actor, scope: MandateScope, resource: str) -> uuid.UUID:
    """Whose records a list shows: the resident's own, or a grantor's within the mandate (403 outside).

    A proxy's look at the list is written to the grantor's access log.
    """
    resident = acting_for(actor, scope)
    audit.record(actor, resident, AuditAction.LIST, resource)
    return resident
