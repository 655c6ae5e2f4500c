"""Who is acting: every service call receives an Actor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum


class ActorKind(StrEnum):
    """The shapes an actor takes.

    A person acts as a resident and, through roles, as a staff member (agent, dispatcher,
    handler, supervisor, administrator, community worker) or merchant member; a proxy is a
    person acting for another within a mandate's scopes; a client is an institution's machine.
    """

    PERSON = "person"
    PROXY = "proxy"
    CLIENT = "client"
    SYSTEM = "system"


class Role(StrEnum):
    """Roles granted to people; scoped roles carry a department or merchant."""

    HOTLINE_AGENT = "hotline_agent"
    DISPATCHER = "dispatcher"
    DEPARTMENT_HANDLER = "department_handler"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    COMMUNITY_WORKER = "community_worker"
    MERCHANT_OWNER = "merchant_owner"
    MERCHANT_STAFF = "merchant_staff"


STAFF_ROLES = frozenset(
    {
        Role.HOTLINE_AGENT,
        Role.DISPATCHER,
        Role.DEPARTMENT_HANDLER,
        Role.SUPERVISOR,
        Role.ADMIN,
        Role.COMMUNITY_WORKER,
    }
)
MERCHANT_ROLES = frozenset({Role.MERCHANT_OWNER, Role.MERCHANT_STAFF})


class MandateScope(StrEnum):
    """What a mandate (帮办代办) may cover; a proxy acts only within the scopes granted."""

    BILLS = "bills"
    APPOINTMENTS = "appointments"
    COMPLAINTS = "complaints"
    PARKING = "parking"
    ELDERCARE = "eldercare"
    SOCIAL_SECURITY = "social_security"
    COMMERCE = "commerce"
    TRANSIT = "transit"
    ACCESS = "access"


@dataclass(frozen=True)
class Actor:
    """The authenticated caller of a service, built from a verified token or by a job."""

    kind: ActorKind
    person_id: uuid.UUID | None = None
    roles: frozenset[str] = frozenset()
    department_ids: frozenset[uuid.UUID] = frozenset()
    merchant_ids: frozenset[uuid.UUID] = frozenset()
    scopes: frozenset[str] = frozenset()
    client_id: str | None = None
    principal_id: uuid.UUID | None = None
    mandate_id: uuid.UUID | None = None
    proxy_scopes: frozenset[str] = frozenset()
    locale: str | None = None
    token_id: str | None = field(default=None, compare=False)
    session_id: str | None = field(default=None, compare=False)  # the sign-in (token family) of the token

    @classmethod
    def system(cls) -> Actor:
        """The actor of scheduled jobs and the outbox relay."""
        return cls(kind=ActorKind.SYSTEM)

    @property
    def is_staff(self) -> bool:
        """Holds at least one staff role."""
        return bool(self.roles & STAFF_ROLES)

    def has_role(self, *roles: str) -> bool:
        """Holds any of the given roles."""
        return bool(self.roles.intersection(roles))

    def has_scope(self, scope: str) -> bool:
        """The token or client carries this scope."""
        return scope in self.scopes

    @property
    def resident_id(self) -> uuid.UUID | None:
        """The person whose resident data this actor touches: self, or the principal of a proxy."""
        return self.principal_id if self.kind is ActorKind.PROXY else self.person_id

    def audit_label(self) -> dict:
        """The fields the audit log records about this actor."""
        return {
            "actor_kind": self.kind.value,
            "actor_person_id": self.person_id,
            "on_behalf_of_id": self.principal_id,
            "client_id": self.client_id,
        }
