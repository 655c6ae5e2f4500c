"""Who besides the resident (and their guardians) may see an appointment: the provider's own client."""

from __future__ import annotations

from app.core.actors import Actor, ActorKind
from app.core.policy import is_client

WRITE_SCOPE = "appointments:write"


def is_publisher(actor: Actor) -> bool:
    """An institution's client that may publish appointments."""
    return actor.kind is ActorKind.CLIENT and actor.has_scope(WRITE_SCOPE)


def provider_may_read(actor: Actor, appointment) -> bool:
    """The client of the provider the appointment is at."""
    return is_client(actor, appointment.slot.service.provider.client_id, WRITE_SCOPE)
