"""Who besides the elder (and their guardians, by mandate) may see elder-care records."""

from __future__ import annotations

from app.city import services as city
from app.core.actors import Actor, ActorKind, Role
from app.core.policy import has_role, is_client

VISIT_SCOPE = "eldercare:visits"  # a care provider's terminal records visits verified at the door
DEVICE_SCOPE = "eldercare:alarm"  # a care-device platform's client reports presses and sensor events
RESPONDERS = (Role.COMMUNITY_WORKER,)  # the community service centre: the ladder's last rung
CIVIL_AFFAIRS = "city-civil-affairs"  # the department that funds the care vouchers


def is_assigned_worker(actor: Actor, profile) -> bool:
    """The community worker assigned to this elder (they see the conditions, too)."""
    return (
        has_role(actor, Role.COMMUNITY_WORKER)
        and profile is not None
        and profile.worker_id == actor.person_id
    )


def may_respond(actor: Actor, alert) -> bool:
    """Whoever the alert's ladder called, and the centre's staff (every look written to the elder's log)."""
    if has_role(actor, *RESPONDERS):
        return True
    return actor.kind is ActorKind.PERSON and str(actor.person_id) in (alert.called or [])


def is_device_platform(actor: Actor) -> bool:
    """A care-device platform's client."""
    return is_client(actor, scope=DEVICE_SCOPE)


def may_read_subsidies(actor: Actor) -> bool:
    """A handler of the civil affairs bureau (the street office and supervisors pass by their roles)."""
    if not has_role(actor, Role.DEPARTMENT_HANDLER):
        return False
    department = city.department_by_code(CIVIL_AFFAIRS)
    return department is not None and department.id in actor.department_ids
