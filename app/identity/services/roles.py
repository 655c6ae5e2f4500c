"""Staff and merchant roles: granted and revoked by administrators and the demo, checked on each request."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask_babel import gettext

from app.city import services as city_services
from app.core import audit
from app.core.actors import Actor, ActorKind, Role
from app.core.audit import AuditAction
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.policy import is_system, require_role
from app.extensions import db
from app.identity.models import (
    Person,
    RoleGrant,
)
from app.identity.services._shared import ROLES_NEEDING_DEPARTMENT, ROLES_NEEDING_MERCHANT
from app.identity.services.people import get_or_create_person


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
    _check_merchant(actor, role, merchant_id)
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
    if actor.kind is not ActorKind.SYSTEM:
        audit.record(actor, person.id, AuditAction.CHANGE, "role_grant", reason=role)
    return grant


_merchant_directory: list[Callable[[uuid.UUID], bool]] = []


def install_merchant_directory(merchant_exists: Callable[[uuid.UUID], bool]) -> None:
    """The domain that keeps merchants (commerce) says which merchant ids exist; identity asks it."""
    _merchant_directory[:] = [merchant_exists]


def _check_merchant(actor: Actor, role: str, merchant_id: uuid.UUID | None) -> None:
    """Merchant roles name a merchant that exists; every other role names none (422 otherwise).

    Until a merchant directory is installed no merchant is known, so only the operator's command line
    and the demo data (the system actor) can grant merchant roles; administrators over the API cannot.
    """
    if role not in ROLES_NEEDING_MERCHANT:
        if merchant_id is not None:
            raise ValidationFailed({"merchant_id": [gettext("This role is not held for a merchant.")]})
        return
    if merchant_id is None:
        raise ValidationFailed({"merchant_id": [gettext("This role needs a merchant.")]})
    if not _merchant_directory:
        if actor.kind is ActorKind.SYSTEM:
            return
        raise ValidationFailed({"merchant_id": [gettext("Unknown merchant.")]})
    if not _merchant_directory[0](merchant_id):
        raise ValidationFailed({"merchant_id": [gettext("Unknown merchant.")]})


def grant_role_by_phone(actor: Actor, phone: str, role: str, **scope) -> RoleGrant:
    """An administrator grants a role to the person with this phone (created if new)."""
    require_role(actor, Role.ADMIN)
    person, _ = get_or_create_person(phone)
    return grant_role(actor, person, role, **scope)


def revoke_role(actor: Actor, grant_id: uuid.UUID) -> RoleGrant:
    """An administrator, or the system for the domain that granted it, takes a role away (not own admin)."""
    if not is_system(actor):
        require_role(actor, Role.ADMIN)
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None:
        raise NotFound()
    if grant.person_id == actor.person_id and grant.role == Role.ADMIN:
        raise Conflict(gettext("You cannot take away your own administrator role."))
    person = grant.person
    person.roles.remove(grant)
    db.session.flush()
    audit.record(actor, person.id, AuditAction.DELETE, "role_grant", grant.id, f"revoked {grant.role}")
    return grant


def _department_for(role: str, department_code: str | None) -> uuid.UUID | None:
    if role not in {r.value for r in Role}:
        raise ValidationFailed({"role": [gettext("Unknown role.")]})
    if department_code is None:
        if role in ROLES_NEEDING_DEPARTMENT:
            raise ValidationFailed({"department": [gettext("This role needs a department.")]})
        return None
    return city_services.require_department(department_code, "department").id
