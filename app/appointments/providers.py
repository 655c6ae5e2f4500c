"""The provider's own system (a hospital's HIS, a hall's queue system): told of each booking and cancellation.

An adapter is registered by name and chosen by ``APPOINTMENTS_PROVIDER``: ``webhook`` (the real
institutions: signed ``appointment.booked`` / ``appointment.cancelled`` webhooks to the provider's
client, which reads the booking back as FHIR from ``/appointments/institution/appointments/{id}``)
or ``sandbox`` (outside production: a simulated HIS that registers the booking at once and answers
with its own visit number).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flask import current_app

from app.appointments.models import Appointment
from app.core.errors import ServiceUnavailable


class BookingSystem(Protocol):
    """A provider's system, as the platform talks to it."""

    def booked(self, appointment: Appointment) -> str | None:
        """Register a booking; the provider's own reference for it when it gives one at once."""
        ...

    def cancelled(self, appointment: Appointment) -> None:
        """Release a booking in the provider's system."""
        ...


_ADAPTERS: dict[str, tuple[Callable[[], BookingSystem], bool]] = {}


def register_system(name: str, factory: Callable[[], BookingSystem], *, sandbox: bool = False) -> None:
    """Make an adapter available under ``name`` (a sandbox one only where sandboxes are allowed)."""
    _ADAPTERS[name] = (factory, sandbox)


def current_system() -> BookingSystem:
    """The adapter this deployment uses (503 when it is unknown, or a sandbox in production)."""
    factory, sandbox = _ADAPTERS.get(current_app.config["APPOINTMENTS_PROVIDER"], (None, False))
    if factory is None or (sandbox and not current_app.config["SANDBOX_PROVIDERS"]):
        raise ServiceUnavailable()
    return factory()


def _payload(appointment: Appointment) -> dict:
    return {
        "appointment_id": str(appointment.id),
        "slot_id": str(appointment.slot_id),
        "service_id": str(appointment.service_id),
        "start": appointment.starts_at.isoformat(),
        "status": appointment.status,
    }


class WebhookSystem:
    """The real institutions: signed webhooks to the provider's client."""

    def booked(self, appointment: Appointment) -> str | None:
        """Send ``appointment.booked``; the provider keeps its own number for it."""
        from app.notifications import services as notifications

        notifications.notify_client(
            appointment.slot.service.provider.client_id,
            "appointment.booked",
            _payload(appointment),
            dedupe_key=f"appointments:webhook:booked:{appointment.id}",
        )
        return None

    def cancelled(self, appointment: Appointment) -> None:
        """Send ``appointment.cancelled``."""
        from app.notifications import services as notifications

        notifications.notify_client(
            appointment.slot.service.provider.client_id,
            "appointment.cancelled",
            _payload(appointment),
            dedupe_key=f"appointments:webhook:cancelled:{appointment.id}",
        )


register_system("webhook", WebhookSystem)
