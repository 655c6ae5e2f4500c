"""Appointments' background work: offers that expire, reminders, the sweep (each idempotent).

``expire_offer`` and ``remind`` are scheduled by the services (``app.core.jobs.enqueue_at``) for the
moment they are due; ``sweep`` runs every ``APPOINTMENTS_SWEEP_SECONDS`` as the backstop for a lost
job, marks no-shows and closes check-ins the desk never closed.
"""

from __future__ import annotations

import uuid

from app.appointments import services
from app.core import jobs
from app.extensions import db


def expire_offer(entry_id: str) -> None:
    """The hold of a waitlist offer ran out: pass the seat on."""
    services.expire_offer(uuid.UUID(entry_id))
    db.session.commit()


def remind(appointment_id: str, which: str) -> None:
    """Remind the resident of a booking (``day`` or ``hour`` before)."""
    services.remind(uuid.UUID(appointment_id), which)
    db.session.commit()


def sweep_appointments() -> dict[str, int]:
    """Expired offers passed on, bookings nobody came for marked as no-shows, forgotten check-ins closed."""
    expired = services.expire_offers()
    db.session.commit()
    missed = services.mark_noshows()
    db.session.commit()
    closed = services.close_arrived()
    db.session.commit()
    return {"offers_expired": expired, "noshows": missed, "closed": closed}


@jobs.periodic("APPOINTMENTS_SWEEP_SECONDS", name="appointments.sweep")
def sweep() -> None:
    """The periodic appointments sweep."""
    sweep_appointments()
