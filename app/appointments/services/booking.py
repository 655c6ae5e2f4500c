"""Booking a seat, cancelling it, and what the resident reads about their appointments.

A seat is decided under the slot's row lock (``SELECT ... FOR UPDATE``): the rules are checked, the
seat counted and the appointment written in one transaction, so the last seat goes to exactly one
person however many ask at once. Every booking carries a signed confirmation code that anyone can
check at the public verify endpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_datetime, gettext
from sqlalchemy import func

from app.appointments import notices
from app.appointments.errors import (
    AlreadyBooked,
    BookingNotOpen,
    BookingSuspended,
    CancellationClosed,
    ConfirmationNotVerified,
    QuotaReached,
    RealNameRequired,
    SlotFull,
    SlotUnavailable,
)
from app.appointments.models import ACTIVE, COUNTED, Appointment, AppointmentStatus, Slot
from app.appointments.providers import current_system
from app.appointments.rules import (
    BookingRules,
    Held,
    banned_until,
    booking_opens_at,
    cancel_deadline,
    quota_refusal,
    week_of,
)
from app.appointments.services._shared import (
    MANDATE_SCOPE,
    add_event,
    get_slot,
    load_appointment,
    lock_quota,
    rules_of,
)
from app.appointments.services.seats import release_seat
from app.core import jobs
from app.core.access import list_owner
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.calendar import SHANGHAI
from app.core.models import utcnow
from app.core.pagination import Page, paginate
from app.core.pii import mask_name
from app.core.policy import acting_for
from app.core.views import WithFacts, with_facts
from app.extensions import db
from app.identity import services as identity

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
PART = 12
REMINDERS = (("day", timedelta(days=1)), ("hour", timedelta(hours=1)))


def check_may_book(person_id: uuid.UUID, slot: Slot, rules: BookingRules, now: datetime) -> None:
    """Every rule but the seat count: the slot open, the window, real name, bans, quotas, no double seat."""
    if slot.withdrawn or slot.starts_at <= now:
        raise SlotUnavailable()
    opens = booking_opens_at(rules, slot.local_date)
    if now < opens:
        raise BookingNotOpen(
            gettext("Booking for this day opens at %(at)s.", at=format_datetime(opens, "short"))
        )
    if rules.real_name and not identity.is_real_name_verified(person_id):
        raise RealNameRequired()
    until = banned_until(rules, _noshows(person_id, slot.provider_id), now)
    if until is not None:
        raise BookingSuspended(
            gettext(
                "You missed appointments without cancelling, so you cannot book here until %(until)s.",
                until=format_datetime(until, "short"),
            )
        )
    if _holds_seat(person_id, slot.id):
        raise AlreadyBooked()
    lock_quota(person_id, slot.provider_id)  # the quotas span slots: count them one booking at a time
    broken = quota_refusal(rules, held_by(person_id, slot, now))
    if broken is not None:
        raise QuotaReached(_quota_detail(broken, rules))


def _quota_detail(broken: str, rules: BookingRules) -> str:
    if broken == "per_day":
        return gettext("At most %(count)s booking(s) a day here.", count=rules.per_day)
    if broken == "per_week":
        return gettext("At most %(count)s booking(s) a week here.", count=rules.per_week)
    return gettext("At most %(count)s upcoming booking(s) here at a time.", count=rules.per_provider)


def _noshows(person_id: uuid.UUID, provider_id: uuid.UUID) -> list[datetime]:
    stmt = db.select(Appointment.starts_at).where(
        Appointment.person_id == person_id,
        Appointment.provider_id == provider_id,
        Appointment.status == AppointmentStatus.NOSHOW,
    )
    return list(db.session.scalars(stmt.order_by(Appointment.starts_at.desc()).limit(20)))


def _holds_seat(person_id: uuid.UUID, slot_id: uuid.UUID) -> bool:
    stmt = db.select(Appointment.id).where(
        Appointment.person_id == person_id, Appointment.slot_id == slot_id, Appointment.status.in_(ACTIVE)
    )
    return db.session.scalar(stmt.limit(1)) is not None


def held_by(person_id: uuid.UUID, slot: Slot, now: datetime) -> Held:
    """What the resident holds at the slot's provider: on its day, in its week, upcoming (one query)."""
    day = slot.local_date
    monday, next_monday = week_of(day)
    mine = (
        Appointment.person_id == person_id,
        Appointment.provider_id == slot.provider_id,
        Appointment.status.in_(COUNTED),
    )
    row = db.session.execute(
        db.select(
            func.count().filter(Appointment.local_date == day),
            func.count().filter(Appointment.local_date >= monday, Appointment.local_date < next_monday),
            func.count().filter(Appointment.starts_at > now, Appointment.status == AppointmentStatus.BOOKED),
        ).where(*mine)
    ).one()
    return Held(on_day=row[0], in_week=row[1], upcoming_at_provider=row[2])


def book(actor: Actor, slot_id: uuid.UUID) -> Appointment:
    """Book a seat in a slot for me (or the elder I act for), under the provider's rules."""
    person_id = acting_for(actor, MANDATE_SCOPE)
    slot = get_slot(slot_id, lock=True)
    now = utcnow()
    check_may_book(person_id, slot, rules_of(slot), now)
    if slot.seats_left <= 0:
        raise SlotFull()
    slot.booked += 1
    return seat(actor, person_id, slot, now)


def seat(actor: Actor, person_id: uuid.UUID, slot: Slot, now: datetime) -> Appointment:
    """Write the appointment for a seat already counted in ``slot``; confirm, remind, tell the provider."""
    appointment = Appointment(
        person_id=person_id,
        booked_by_id=actor.person_id if actor.person_id != person_id else None,
        slot_id=slot.id,
        service_id=slot.service_id,
        provider_id=slot.provider_id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        local_date=slot.local_date,
        status=AppointmentStatus.BOOKED,
        confirmation_serial=_serial(),
        confirmation_signature="",
    )
    appointment.slot = slot
    db.session.add(appointment)
    db.session.flush()
    appointment.confirmation_signature = _signature_of(appointment)
    add_event(appointment, "booked", actor)
    appointment.external_ref = current_system().booked(appointment)
    notices.booked(appointment, confirmation_code(appointment))
    for which, before in REMINDERS:
        if slot.starts_at - before > now:
            jobs.enqueue_at(
                slot.starts_at - before,
                "app.appointments.jobs.remind",
                str(appointment.id),
                which,
                job_id=f"appointments-remind-{which}-{appointment.id}",
            )
    return appointment


def cancel(actor: Actor, appointment_id: uuid.UUID) -> Appointment:
    """Cancel my booking before the provider's deadline; the seat goes to the waitlist's first."""
    appointment = load_appointment(actor, appointment_id, action=AuditAction.CHANGE)
    slot = get_slot(appointment.slot_id, lock=True)
    db.session.refresh(appointment)
    now = utcnow()
    if appointment.status != AppointmentStatus.BOOKED or slot.starts_at <= now:
        raise CancellationClosed()
    deadline = cancel_deadline(rules_of(slot), slot.local_date)
    if now >= deadline:
        raise CancellationClosed(
            gettext("Cancelling was possible until %(at)s.", at=format_datetime(deadline, "short"))
        )
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = now
    appointment.cancel_reason = "resident"
    slot.booked -= 1
    add_event(appointment, "cancelled", actor)
    current_system().cancelled(appointment)
    release_seat(slot, now)
    return appointment


def _serial() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(PART))


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"yimatong-appointment-confirmations", hashlib.sha256).digest()


def _signature_of(appointment: Appointment) -> str:
    stated = "|".join(
        (
            appointment.confirmation_serial,
            str(appointment.id),
            str(appointment.person_id),
            str(appointment.slot_id),
            appointment.starts_at.astimezone(SHANGHAI).isoformat(),
        )
    )
    number = int.from_bytes(hmac.new(_key(), stated.encode(), hashlib.sha256).digest()[:8], "big")
    return "".join(CODE_ALPHABET[(number >> (5 * i)) & 31] for i in range(PART))


def confirmation_code(appointment: Appointment) -> str:
    """The code on the confirmation, in groups of four: serial then signature."""
    raw = appointment.confirmation_serial + appointment.confirmation_signature
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalize_code(code: str) -> str:
    """The code as typed or scanned: dashes and spaces dropped, O read as 0 and I, L as 1."""
    cleaned = "".join(code.split()).replace("-", "").upper()
    return cleaned.replace("O", "0").replace("I", "1").replace("L", "1")


def verify_confirmation(code: str) -> WithFacts:
    """Anyone holding a confirmation code checks it: what it states, with the name masked."""
    normalized = normalize_code(code)
    serial, signature = normalized[:PART], normalized[PART:]
    appointment = db.session.scalar(db.select(Appointment).where(Appointment.confirmation_serial == serial))
    if appointment is None or len(signature) != PART:
        raise ConfirmationNotVerified()
    expected = _signature_of(appointment)
    if not (
        hmac.compare_digest(expected, signature)
        and hmac.compare_digest(appointment.confirmation_signature, expected)
    ):
        raise ConfirmationNotVerified()
    person = identity.get_person(appointment.person_id)
    name = person.legal_name or person.display_name
    return with_facts(appointment, name=mask_name(name), service=appointment.slot.service)


def appointment_view(appointment: Appointment) -> WithFacts:
    """An appointment with its confirmation code, cancellation deadline, queue and alternative."""
    slot = appointment.slot
    return with_facts(
        appointment,
        service=slot.service,
        provider=slot.service.provider,
        confirmation_code=confirmation_code(appointment),
        cancel_until=cancel_deadline(rules_of(slot), slot.local_date),
        people_ahead=people_ahead(appointment),
    )


def people_ahead(appointment: Appointment) -> int | None:
    """How many checked-in people are before this one in the service's queue today (None before check-in)."""
    if appointment.status != AppointmentStatus.ARRIVED or appointment.queue_number is None:
        return None
    return db.session.scalar(
        db.select(func.count()).where(
            Appointment.service_id == appointment.service_id,
            Appointment.local_date == appointment.local_date,
            Appointment.status == AppointmentStatus.ARRIVED,
            Appointment.queue_number < appointment.queue_number,
        )
    )


def get_appointment(actor: Actor, appointment_id: uuid.UUID) -> WithFacts:
    """One of my appointments (or of the elder I act for), with its timeline."""
    return appointment_view(load_appointment(actor, appointment_id))


def my_appointments(actor: Actor, *, status: str | None, cursor: str | None, limit: int) -> Page:
    """My appointments, newest booked first; by status."""
    person_id = list_owner(actor, MANDATE_SCOPE, "appointment")
    stmt = db.select(Appointment).where(Appointment.person_id == person_id)
    if status:
        stmt = stmt.where(Appointment.status == status)
    page = paginate(stmt, Appointment.id, cursor=cursor, limit=limit)
    page.items = [appointment_view(item) for item in page.items]
    return page
