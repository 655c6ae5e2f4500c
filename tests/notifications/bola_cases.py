"""BOLA cases of the notifications domain: one resident's inbox is invisible to another."""

import uuid

from app.notifications import services
from tests.bola import BolaContext, bola_case


def _notify_owner(ctx: BolaContext) -> str:
    secret = f"bola-{uuid.uuid4().hex[:8]}"
    services.notify(
        ctx.owner.id,
        "complaint_received",
        {"reference": secret},
        topic="complaints",
        dedupe_key=f"bola:{secret}",
    )
    ctx.db.session.commit()
    return secret


@bola_case("POST", "/api/v1/me/inbox/{item_id}/read")
def owners_inbox_item(ctx: BolaContext) -> dict:
    """Only the recipient can mark a message read; for anyone else it does not exist."""
    secret = _notify_owner(ctx)
    item = services.my_inbox(_actor(ctx.owner), cursor=None, limit=1).items[0]
    return {"item_id": item.id, "secret": secret}


@bola_case("GET", "/api/v1/me/inbox", collection=True)
def owners_inbox(ctx: BolaContext) -> dict:
    """The inbox lists the caller's own messages only."""
    return {"secret": _notify_owner(ctx)}


def _actor(person):
    from app.core.actors import Actor, ActorKind

    return Actor(kind=ActorKind.PERSON, person_id=person.id)
