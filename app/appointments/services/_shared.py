"""What the appointment services share: the mandate scope, loading records, the timeline."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import text

from app.appointments import policies
from app.appointments.errors import NotTheProvider
from app.appointments.models import Appointment, AppointmentEvent, Provider, Service, Slot
from app.appointments.rules import BookingRules
from app.core.access import load_private
from app.core.actors import Actor, MandateScope
from app.core.audit import AuditAction
from app.core.errors import NotFound
from app.extensions import db

MANDATE_SCOPE = MandateScope.APPOINTMENTS
MAX_DAY_SLOTS = 200  # a day of one service or provider, whole


def require_publisher(actor: Actor) -> str:
    """The institution client acting (403 for anyone else); its client id."""
    if not policies.is_publisher(actor) or actor.client_id is None:
        raise NotTheProvider()
    return actor.client_id


def own_provider(actor: Actor, provider_id: uuid.UUID, *, lock: bool = False) -> Provider:
    """One of the calling institution's providers (404 for another's)."""
    client_id = require_publisher(actor)
    provider = db.session.get(Provider, provider_id, with_for_update=lock or None)
    if provider is None or provider.client_id != client_id:
        raise NotFound()
    return provider


def own_service(actor: Actor, service_id: uuid.UUID) -> Service:
    """A service at one of the calling institution's providers (404 otherwise)."""
    client_id = require_publisher(actor)
    service = db.session.get(Service, service_id)
    if service is None or service.provider.client_id != client_id:
        raise NotFound()
    return service


def get_slot(slot_id: uuid.UUID, *, lock: bool = False) -> Slot:
    """A slot by id (public information), locked for a seat decision when asked.

    Only the slot's row is locked (``FOR UPDATE OF``), not its service and provider joined with it:
    seats of other slots at the provider are decided meanwhile; the quotas have their own lock.
    """
    for_update = {"of": Slot} if lock else None
    slot = db.session.get(Slot, slot_id, with_for_update=for_update, populate_existing=lock)
    if slot is None:
        raise NotFound()
    return slot


def load_appointment(
    actor: Actor, appointment_id: uuid.UUID, *, action: AuditAction = AuditAction.READ, lock: bool = False
) -> Appointment:
    """An appointment the actor may see: the resident's, a guardian's within the mandate, the provider's."""
    return load_private(
        actor,
        Appointment,
        appointment_id,
        scope=MANDATE_SCOPE,
        action=action,
        also=policies.provider_may_read,
        lock=lock,
    )


def add_event(appointment: Appointment, kind: str, actor: Actor) -> None:
    """One step on the appointment's timeline."""
    appointment.events.append(AppointmentEvent(kind=kind, actor_kind=actor.kind.value))


def rules_of(slot: Slot) -> BookingRules:
    """The booking rules of the slot's provider."""
    return BookingRules.of(slot.service.provider.rules)


def lock_quota(person_id: uuid.UUID, provider_id: uuid.UUID) -> None:
    """Hold the resident's quota at a provider until the transaction ends, before counting it.

    The slot's row lock keeps one slot's seats; a quota spans many slots (a day, a week, upcoming),
    so two bookings of one resident in two slots would each count the other's as not yet there.
    On PostgreSQL a transaction-scoped advisory lock on (resident, provider) makes the second wait
    for the first to commit, then count again (each statement reads what is committed). On SQLite
    every transaction already holds the database's write lock (``BEGIN IMMEDIATE``).
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    name = f"appointments-quota:{person_id}:{provider_id}".encode()
    key = int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big", signed=True)
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
