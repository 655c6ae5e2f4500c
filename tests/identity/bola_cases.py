"""BOLA cases of the identity domain."""

from app.core.actors import Actor, ActorKind
from app.core.audit import record_access
from tests.bola import BolaContext, bola_case


@bola_case("GET", "/api/v1/me/access-log", collection=True)
def owners_access_log(ctx: BolaContext) -> dict:
    """A staff read of the owner's data shows in the owner's access log, and only there."""
    staff = Actor(
        kind=ActorKind.PERSON, person_id=ctx.make_person("supervisor").id, roles=frozenset({"supervisor"})
    )
    entry = record_access(staff, ctx.owner.id, "read", "person", reason="bola-secret-reason")
    ctx.db.session.commit()
    return {"secret": entry.reason}


@bola_case("GET", "/api/v1/me", collection=True)
def owners_profile(ctx: BolaContext) -> dict:
    """/me answers with the caller's own record, never the owner's."""
    return {"secret": ctx.owner.id}
