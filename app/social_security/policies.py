"""Who besides the resident (and their proxies) may read social-security records."""

from __future__ import annotations

from app.core.actors import Actor, Role
from app.core.policy import has_role, is_client, require_role

STAFF_READERS = (Role.ADMIN, Role.COMMUNITY_WORKER)  # support, and community workers helping in person
WRITE_SCOPES = ("social_security:write", "housing_fund:write")


def require_staff_reader(actor: Actor) -> None:
    """Staff who may look up a resident's records, giving a reason (403 for anyone else)."""
    require_role(actor, *STAFF_READERS)


def may_read_record(actor: Actor, record) -> bool:
    """The institution that sent a record may read it back; so may administrators."""
    if has_role(actor, Role.ADMIN):
        return True
    scope = "housing_fund:write" if record.source == "housing_fund" else "social_security:write"
    return is_client(actor, scope=scope)
