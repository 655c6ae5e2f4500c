"""Who is acting, and how services check it: residents, proxies, staff, machine clients, the system."""

from __future__ import annotations

import uuid

import pytest

from app.core.actors import Actor, ActorKind, MandateScope, Role
from app.core.errors import Forbidden, Unauthenticated
from app.core.policy import (
    acting_for,
    acts_for,
    require_authenticated,
    require_person,
    require_role,
    require_scope,
)

ELDER = uuid.uuid4()
GUARDIAN = uuid.uuid4()
STRANGER = uuid.uuid4()
URBAN = uuid.uuid4()
WATER = uuid.uuid4()


def resident(person_id=ELDER) -> Actor:
    return Actor(kind=ActorKind.PERSON, person_id=person_id)


def guardian(*scopes: str) -> Actor:
    """A guardian acting for the elder under a mandate granting ``scopes``."""
    return Actor(
        kind=ActorKind.PROXY,
        person_id=GUARDIAN,
        principal_id=ELDER,
        mandate_id=uuid.uuid4(),
        proxy_scopes=frozenset(scopes),
    )


def staff(*roles: str, departments=()) -> Actor:
    return Actor(
        kind=ActorKind.PERSON,
        person_id=uuid.uuid4(),
        roles=frozenset(roles),
        department_ids=frozenset(departments),
    )


def client(*scopes: str) -> Actor:
    return Actor(kind=ActorKind.CLIENT, client_id="water-biller", scopes=frozenset(scopes))


def test_nobody_signed_in_is_401():
    with pytest.raises(Unauthenticated):
        require_authenticated(None)
    actor = resident()
    assert require_authenticated(actor) is actor


def test_resident_and_proxy_touch_the_residents_data():
    assert resident().resident_id == ELDER
    assert guardian("bills").resident_id == ELDER
    assert require_person(guardian("bills")) == ELDER
    assert acting_for(resident(), "bills") == ELDER


def test_proxy_acts_only_within_the_mandate():
    assert acting_for(guardian("bills", "appointments"), "bills") == ELDER
    with pytest.raises(Forbidden):
        acting_for(guardian("bills"), "eldercare")


@pytest.mark.parametrize("actor", [client("bills:read"), Actor.system()])
def test_machines_are_not_residents(actor):
    with pytest.raises(Forbidden):
        require_person(actor)


def test_owner_acts_for_themself():
    assert acts_for(resident(), ELDER, MandateScope.BILLS)


@pytest.mark.parametrize(
    ("actor", "owner"),
    [
        (resident(STRANGER), ELDER),  # another resident
        (guardian("appointments"), ELDER),  # the proxy's mandate does not cover bills
        (guardian("bills"), STRANGER),  # within scope, but not the principal's record
        (staff(Role.SUPERVISOR), ELDER),  # staff reading as a resident are just another person
        (client("bills"), ELDER),
    ],
)
def test_nobody_else_acts_for_the_owner(actor, owner):
    assert not acts_for(actor, owner, MandateScope.BILLS)


def test_proxy_within_scope_acts_for_the_principal():
    assert acts_for(guardian("bills"), ELDER, MandateScope.BILLS)


def test_staff_roles():
    dispatcher = staff(Role.DISPATCHER)
    assert dispatcher.is_staff
    require_role(dispatcher, Role.DISPATCHER, Role.SUPERVISOR)
    with pytest.raises(Forbidden):
        require_role(dispatcher, Role.SUPERVISOR)
    with pytest.raises(Forbidden):
        require_role(resident(), Role.HOTLINE_AGENT)
    assert not staff(Role.MERCHANT_OWNER).is_staff


def test_department_handlers_work_only_in_their_department():
    handler = staff(Role.DEPARTMENT_HANDLER, departments=[URBAN])
    require_role(handler, Role.DEPARTMENT_HANDLER, department_id=URBAN)
    with pytest.raises(Forbidden):
        require_role(handler, Role.DEPARTMENT_HANDLER, department_id=WATER)


def test_administrators_reach_every_department():
    require_role(staff(Role.ADMIN), Role.ADMIN, Role.DEPARTMENT_HANDLER, department_id=WATER)


def test_a_proxy_never_borrows_roles():
    proxy_with_roles = Actor(
        kind=ActorKind.PROXY, person_id=GUARDIAN, principal_id=ELDER, roles=frozenset({Role.SUPERVISOR})
    )
    with pytest.raises(Forbidden):
        require_role(proxy_with_roles, Role.SUPERVISOR)


def test_clients_act_by_scope_not_by_role():
    biller = client("bills:write")
    require_scope(biller, "bills:write")
    with pytest.raises(Forbidden):
        require_scope(biller, "bills:read")
    with pytest.raises(Forbidden):
        require_role(Actor(kind=ActorKind.CLIENT, roles=frozenset({Role.ADMIN})), Role.ADMIN)


def test_system_actor():
    system = Actor.system()
    assert system.kind is ActorKind.SYSTEM
    assert system.person_id is None and not system.is_staff
    with pytest.raises(Forbidden):
        require_scope(system, "bills:read")


def test_audit_label_names_actor_principal_and_client():
    assert guardian("bills").audit_label() == {
        "actor_kind": "proxy",
        "actor_person_id": GUARDIAN,
        "on_behalf_of_id": ELDER,
        "client_id": None,
    }
    assert client().audit_label()["client_id"] == "water-biller"
