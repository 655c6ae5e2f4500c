"""At the provider: check-in by the resident's city code, a queue number, done; and the missed ones.

The provider's client scans the resident's city code (purpose ``hospital``, verified online by
identity: signature, expiry, replay) and the resident's booking there today is marked arrived, with
the next number of the service's queue that day. A booking nobody checked in for by the end of its
slot (and a grace) becomes a no-show, which counts towards the provider's booking bans.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import func

from app.appointments import notices, policies
from app.appointments.errors import CityCodeRefused, NotCheckedIn, NothingToCheckIn
from app.appointments.models import Appointment, AppointmentStatus, Provider, Service
from app.appointments.services._shared import MANDATE_SCOPE, add_event, load_appointment, require_publisher
from app.appointments.services.booking import appointment_view
from app.core.access import authorize_private
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.calendar import business_date
from app.core.models import utcnow
from app.core.views import WithFacts
from app.extensions import db
from app.identity import services as identity

CITY_CODE_PURPOSE = "hospital"


def check_in(actor: Actor, code: str) -> WithFacts:
    """Scan a resident's city code at the provider: today's booking here is arrived, with a queue number."""
    client_id = require_publisher(actor)
    verification = identity.verify_city_code(actor, code, CITY_CODE_PURPOSE)
    if not verification.valid:
        raise CityCodeRefused(verification.message, reason=verification.reason)
    appointment = db.session.scalar(
        db.select(Appointment)
        .join(Provider, Provider.id == Appointment.provider_id)
        .where(
            Appointment.person_id == verification.person_id,
            Appointment.local_date == business_date(),
            Appointment.status == AppointmentStatus.BOOKED,
            Provider.client_id == client_id,
        )
        .order_by(Appointment.starts_at)
        .limit(1)
    )
    if appointment is None:
        raise NothingToCheckIn()
    authorize_private(
        actor, appointment, scope=MANDATE_SCOPE, action=AuditAction.CHANGE, also=policies.provider_may_read
    )
    db.session.get(Service, appointment.service_id, with_for_update=True)  # one queue counter per service
    last = db.session.scalar(
        db.select(func.max(Appointment.queue_number)).where(
            Appointment.service_id == appointment.service_id, Appointment.local_date == appointment.local_date
        )
    )
    appointment.status = AppointmentStatus.ARRIVED
    appointment.arrived_at = utcnow()
    appointment.queue_number = (last or 0) + 1
    add_event(appointment, "arrived", actor)
    return appointment_view(appointment)


def fulfil(actor: Actor, appointment_id: uuid.UUID) -> WithFacts:
    """The provider marks a checked-in appointment done."""
    require_publisher(actor)
    appointment = load_appointment(actor, appointment_id, action=AuditAction.CHANGE, lock=True)
    if appointment.status != AppointmentStatus.ARRIVED:
        raise NotCheckedIn()
    appointment.status = AppointmentStatus.FULFILLED
    add_event(appointment, "fulfilled", actor)
    return appointment_view(appointment)


def provider_appointment(actor: Actor, appointment_id: uuid.UUID) -> Appointment:
    """A booking at one of the caller's providers (written to the resident's access log)."""
    require_publisher(actor)
    return load_appointment(actor, appointment_id)


def mark_noshows(limit: int = 500) -> int:
    """Bookings nobody checked in for by their slot's end and the grace: no-shows (how many)."""
    grace = timedelta(minutes=current_app.config["APPOINTMENTS_NOSHOW_GRACE_MINUTES"])
    due = db.session.scalars(
        db.select(Appointment)
        .where(Appointment.status == AppointmentStatus.BOOKED, Appointment.ends_at <= utcnow() - grace)
        .order_by(Appointment.ends_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    system = Actor.system()
    for appointment in due:
        appointment.status = AppointmentStatus.NOSHOW
        add_event(appointment, "noshow", system)
    return len(due)


def remind(appointment_id: uuid.UUID, which: str) -> bool:
    """Remind the resident of a booking still booked (``day`` or ``hour`` before; once each)."""
    appointment = db.session.get(Appointment, appointment_id)
    if (
        appointment is None
        or appointment.status != AppointmentStatus.BOOKED
        or appointment.starts_at <= utcnow()
    ):
        return False
    notices.reminder(appointment, which)
    return True
