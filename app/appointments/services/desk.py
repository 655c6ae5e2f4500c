"""At the provider: check-in by the resident's city code, a queue number, done; and the missed ones.

The provider's client scans the resident's city code (purpose ``hospital``, verified online by
identity: signature, expiry, replay) and the resident's booking there today is marked arrived, with
the next number of the service's queue that day. A booking nobody checked in for by the end of its
slot (and a grace) becomes a no-show, which counts towards the provider's booking bans.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func

from app.appointments import notices, policies
from app.appointments.errors import (
    CityCodeRefused,
    NotBooked,
    NotCheckedIn,
    NotDueYet,
    NothingToCheckIn,
    NotTheirBooking,
)
from app.appointments.models import Appointment, AppointmentStatus, Provider, Service
from app.appointments.services._shared import (
    MANDATE_SCOPE,
    add_event,
    load_appointment,
    own_provider,
    require_publisher,
)
from app.appointments.services.booking import appointment_view
from app.core import audit
from app.core.access import authorize_private
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.calendar import business_date
from app.core.models import utcnow
from app.core.pagination import Page, paginate
from app.core.pii import mask_name
from app.core.views import WithFacts, with_facts
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
    return _arrive(actor, appointment)


def _arrive(actor: Actor, appointment: Appointment) -> WithFacts:
    """Mark a booking of today arrived, with the next number of its service's queue that day."""
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


def desk_check_in(actor: Actor, appointment_id: uuid.UUID) -> WithFacts:
    """The desk checks a resident in by the booking (no phone at hand; staff saw the ID card)."""
    require_publisher(actor)
    appointment = load_appointment(actor, appointment_id, action=AuditAction.CHANGE, lock=True)
    if appointment.status != AppointmentStatus.BOOKED:
        raise NotBooked()
    if appointment.local_date != business_date():
        raise NotDueYet()
    return _arrive(actor, appointment)


def mark_noshow(actor: Actor, appointment_id: uuid.UUID) -> WithFacts:
    """The desk marks a booking whose time has begun a no-show (it counts towards the booking bans)."""
    require_publisher(actor)
    appointment = load_appointment(actor, appointment_id, action=AuditAction.CHANGE, lock=True)
    if appointment.status != AppointmentStatus.BOOKED:
        raise NotBooked()
    if appointment.starts_at > utcnow():
        raise NotDueYet()
    appointment.status = AppointmentStatus.NOSHOW
    add_event(appointment, "noshow", actor)
    return appointment_view(appointment)


def desk_day(
    actor: Actor,
    provider_id: uuid.UUID,
    *,
    day: date | None,
    service_id: uuid.UUID | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> Page:
    """A day's bookings at one of my providers (today by default), in booking order, names masked.

    Each booking listed is written to its resident's access log.
    """
    provider = own_provider(actor, provider_id)
    stmt = db.select(Appointment).where(
        Appointment.provider_id == provider.id, Appointment.local_date == (day or business_date())
    )
    if service_id is not None:
        stmt = stmt.where(Appointment.service_id == service_id)
    if status is not None:
        stmt = stmt.where(Appointment.status == status)
    page = paginate(stmt, Appointment.id, cursor=cursor, limit=limit, newest_first=False)
    views = []
    people = identity.people_by_id(item.person_id for item in page.items)  # one statement for the page
    for item in page.items:
        person = people[item.person_id]
        audit.record(actor, item.person_id, AuditAction.READ, "appointment", item.id, "the day at the desk")
        name = mask_name(person.legal_name or person.display_name)
        views.append(with_facts(item, service=item.slot.service, resident_name=name))
    page.items = views
    return page


def fulfil(actor: Actor, appointment_id: uuid.UUID) -> WithFacts:
    """The provider marks a checked-in appointment done."""
    require_publisher(actor)
    appointment = load_appointment(actor, appointment_id, action=AuditAction.CHANGE, lock=True)
    if appointment.status != AppointmentStatus.ARRIVED:
        raise NotCheckedIn()
    appointment.status = AppointmentStatus.FULFILLED
    add_event(appointment, "fulfilled", actor)
    return appointment_view(appointment)


def arrive_for_home_visit(
    actor: Actor, appointment_id: uuid.UUID, *, person_id: uuid.UUID, service_type: str, visit_id: uuid.UUID
) -> Appointment:
    """A home visit began at the resident's door for this booking: it is arrived, and names the visit.

    The provider's terminal scanned the resident's code (the visit's own scan, for elder care); the
    booking must be at one of the caller's providers (404 otherwise), of that person and of a service
    of ``service_type`` (422 ``visit-booking-mismatch``), and still booked (409). The scan at her door
    is her consent, so a caregiver early or late within the booking's life is recorded as they came.
    """
    require_publisher(actor)
    appointment = load_appointment(actor, appointment_id, action=AuditAction.CHANGE, lock=True)
    if appointment.person_id != person_id or appointment.slot.service.service_type != service_type:
        raise NotTheirBooking()
    if appointment.status != AppointmentStatus.BOOKED:
        raise NotBooked()
    appointment.visit_id = visit_id
    _arrive(actor, appointment)
    return appointment


def fulfil_home_visit(actor: Actor, appointment_id: uuid.UUID) -> Appointment:
    """The home visit serving this booking was verified at its end: the booking is fulfilled (once)."""
    require_publisher(actor)
    appointment = load_appointment(actor, appointment_id, action=AuditAction.CHANGE, lock=True)
    if appointment.status == AppointmentStatus.ARRIVED:
        appointment.status = AppointmentStatus.FULFILLED
        add_event(appointment, "fulfilled", actor)
    return appointment


def provider_appointment(actor: Actor, appointment_id: uuid.UUID) -> Appointment:
    """A booking at one of the caller's providers (written to the resident's access log)."""
    require_publisher(actor)
    return load_appointment(actor, appointment_id)


def mark_noshows(limit: int = 500) -> int:
    """Bookings nobody checked in for by their slot's end and the grace: no-shows (how many)."""
    grace = timedelta(minutes=current_app.config["APPOINTMENTS_NOSHOW_GRACE_MINUTES"])
    return _move_ended(AppointmentStatus.BOOKED, grace, AppointmentStatus.NOSHOW, "noshow", limit)


def close_arrived(limit: int = 500) -> int:
    """Check-ins the provider never marked done, long after their slot: fulfilled (how many).

    A desk closes each visit (``fulfil``); one it forgets would stay ``arrived`` for ever and keep its
    seat active. ``APPOINTMENTS_ARRIVED_CLOSE_HOURS`` after the slot's end the sweep closes it, as a
    hospital's system closes the day, with a ``fulfilled`` event by the system on the timeline. A home
    visit's booking is left to its visit, which fulfils it when the visit is verified.
    """
    after = timedelta(hours=current_app.config["APPOINTMENTS_ARRIVED_CLOSE_HOURS"])
    return _move_ended(
        AppointmentStatus.ARRIVED,
        after,
        AppointmentStatus.FULFILLED,
        "fulfilled",
        limit,
        Appointment.visit_id.is_(None),
    )


def _move_ended(status, after: timedelta, to, event: str, limit: int, *where) -> int:
    """Appointments in ``status`` whose slot ended ``after`` ago or more, moved to ``to`` by the system."""
    due = db.session.scalars(
        db.select(Appointment)
        .where(Appointment.status == status, Appointment.ends_at <= utcnow() - after, *where)
        .order_by(Appointment.ends_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    system = Actor.system()
    for appointment in due:
        appointment.status = to
        add_event(appointment, event, system)
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
