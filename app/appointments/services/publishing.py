"""Providers publish: themselves, their services and practitioners, working plans that become slots.

A working plan is data (weekdays or every working day, hours, breaks, slot length, a buffer between
slots, seats); the slots are generated from it over its date range, skipping the calendar's public
holidays (and, for plans on working days, weekends that are not make-up working days). Withdrawing
a plan withdraws its future slots, cancels every booking in them with a notice that offers the next
open time of the same service, and lets go of their waitlists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from flask_babel import gettext

from app.appointments import notices
from app.appointments.models import (
    Appointment,
    AppointmentStatus,
    Provider,
    Schedule,
    Service,
    Slot,
    WaitlistEntry,
    WaitStatus,
)
from app.appointments.providers import current_system
from app.appointments.rules import BookingRules
from app.appointments.services._shared import add_event, own_provider, own_service, require_publisher
from app.core.actors import Actor
from app.core.calendar import SHANGHAI, WorkCalendar, load_calendar
from app.core.errors import NotFound, ValidationFailed
from app.core.geo import Point
from app.core.models import utcnow
from app.extensions import db

MAX_PLAN_DAYS = 62
MAX_PLAN_SLOTS = 5_000
PLAN_DEFAULTS = {"weekdays": [0, 1, 2, 3, 4], "working_days_only": False, "breaks": [], "buffer_minutes": 0}


def create_provider(
    actor: Actor, *, kind: str, names: dict, address: str, location: Point, rules: dict | None = None
) -> Provider:
    """A hospital, hall or community service published by the calling institution."""
    client_id = require_publisher(actor)
    provider = Provider(
        kind=kind, client_id=client_id, address=address, rules=BookingRules.of(rules).as_dict()
    )
    provider.set_names(names)
    provider.place_at(location)
    db.session.add(provider)
    db.session.flush()
    return provider


def update_rules(actor: Actor, provider_id: uuid.UUID, rules: dict) -> Provider:
    """Replace a provider's booking rules (what it leaves out takes the defaults)."""
    provider = own_provider(actor, provider_id, lock=True)
    provider.rules = BookingRules.of(rules).as_dict()
    return provider


def add_service(actor: Actor, provider_id: uuid.UUID, *, names: dict, **details) -> Service:
    """A department, a doctor's clinic or a counter's business at one of the caller's providers."""
    provider = own_provider(actor, provider_id)
    service = Service(provider_id=provider.id, **details)
    service.set_names(names)
    service.provider = provider
    db.session.add(service)
    db.session.flush()
    return service


def _clock(text: str) -> time:
    return time.fromisoformat(text)


def slot_times(plan: Schedule, calendar: WorkCalendar) -> Iterator[tuple[datetime, datetime]]:
    """Every (start, end) the plan opens, in order, as aware datetimes."""
    length = timedelta(minutes=plan.slot_minutes)
    step = length + timedelta(minutes=plan.buffer_minutes)
    breaks = [(_clock(a), _clock(b)) for a, b in plan.breaks]
    day = plan.valid_from
    while day <= plan.valid_until:
        if _open_on(plan, calendar, day):
            cursor = datetime.combine(day, _clock(plan.day_start), SHANGHAI)
            day_end = datetime.combine(day, _clock(plan.day_end), SHANGHAI)
            while cursor + length <= day_end:
                overlap = next(
                    (b for a, b in breaks if cursor.time() < b and (cursor + length).time() > a), None
                )
                if overlap is not None:
                    cursor = datetime.combine(day, overlap, SHANGHAI)
                    continue
                yield cursor, cursor + length
                cursor += step
        day += timedelta(days=1)


def _open_on(plan: Schedule, calendar: WorkCalendar, day: date) -> bool:
    if plan.working_days_only:
        return calendar.is_working_day(day)
    return day.weekday() in plan.weekdays and day not in calendar.holidays


def _check_plan(plan: Schedule) -> None:
    errors = {}
    if plan.valid_until < plan.valid_from:
        errors["valid_until"] = [gettext("The plan ends before it starts.")]
    elif (plan.valid_until - plan.valid_from).days >= MAX_PLAN_DAYS:
        errors["valid_until"] = [gettext("A plan covers at most %(days)s days.", days=MAX_PLAN_DAYS)]
    if _clock(plan.day_end) <= _clock(plan.day_start):
        errors["day_end"] = [gettext("The day ends before it starts.")]
    if any(_clock(b) <= _clock(a) for a, b in plan.breaks):
        errors["breaks"] = [gettext("A break ends before it starts.")]
    if errors:
        raise ValidationFailed(errors)


def publish_schedule(actor: Actor, service_id: uuid.UUID, **plan) -> tuple[Schedule, int]:
    """A working plan of one of the caller's services, and the slots made from it (how many)."""
    service = own_service(actor, service_id)
    plan = {**PLAN_DEFAULTS, **plan}
    schedule = Schedule(service_id=service.id, **plan)
    _check_plan(schedule)
    now = utcnow()
    times = [pair for pair in slot_times(schedule, load_calendar()) if pair[0] > now]
    if len(times) > MAX_PLAN_SLOTS:
        raise ValidationFailed({"slot_minutes": [gettext("The plan makes too many slots; shorten it.")]})
    db.session.add(schedule)
    db.session.flush()
    db.session.add_all(
        Slot(
            service_id=service.id,
            provider_id=service.provider_id,
            schedule_id=schedule.id,
            starts_at=start,
            ends_at=end,
            capacity=schedule.seats,
            booked=0,
            held=0,
            withdrawn=False,
        )
        for start, end in times
    )
    return schedule, len(times)


def withdraw_schedule(actor: Actor, schedule_id: uuid.UUID) -> tuple[Schedule, int]:
    """Withdraw a plan: its future slots, their bookings (each told, and offered another time), waitlists."""
    schedule = db.session.get(Schedule, schedule_id, with_for_update=True)
    if schedule is None:
        raise NotFound()
    own_service(actor, schedule.service_id)
    now = utcnow()
    schedule.cancelled_at = schedule.cancelled_at or now
    slots = db.session.scalars(
        db.select(Slot)
        .where(Slot.schedule_id == schedule.id, Slot.starts_at > now, Slot.withdrawn.is_(False))
        .order_by(Slot.starts_at)
        .with_for_update()
    ).all()
    cancelled = 0
    for slot in slots:
        slot.withdrawn = True
        cancelled += _cancel_bookings_of(actor, slot, schedule.id)
        _let_go_of_waitlist(slot)
    return schedule, cancelled


def _cancel_bookings_of(actor: Actor, slot: Slot, schedule_id: uuid.UUID) -> int:
    bookings = db.session.scalars(
        db.select(Appointment).where(
            Appointment.slot_id == slot.id, Appointment.status == AppointmentStatus.BOOKED
        )
    ).all()
    for appointment in bookings:
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancelled_at = utcnow()
        appointment.cancel_reason = "provider"
        slot.booked -= 1
        alternative = next_open_slot(slot.service_id, after=slot.starts_at, besides=schedule_id)
        appointment.alternative_slot_id = alternative.id if alternative else None
        add_event(appointment, "provider_cancelled", actor)
        current_system().cancelled(appointment)
        notices.cancelled_by_provider(appointment, alternative)
    return len(bookings)


def _let_go_of_waitlist(slot: Slot) -> None:
    db.session.execute(
        db.update(WaitlistEntry)
        .where(
            WaitlistEntry.slot_id == slot.id,
            WaitlistEntry.status.in_((WaitStatus.WAITING, WaitStatus.OFFERED)),
        )
        .values(status=WaitStatus.WITHDRAWN)
    )
    slot.held = 0


def next_open_slot(
    service_id: uuid.UUID, *, after: datetime, besides: uuid.UUID | None = None
) -> Slot | None:
    """The first slot of the service after ``after`` with a seat left (not of the plan ``besides``)."""
    stmt = (
        db.select(Slot)
        .where(
            Slot.service_id == service_id,
            Slot.starts_at > after,
            Slot.withdrawn.is_(False),
            Slot.booked + Slot.held < Slot.capacity,
        )
        .order_by(Slot.starts_at)
        .limit(1)
    )
    if besides is not None:
        stmt = stmt.where(Slot.schedule_id != besides)
    return db.session.scalar(stmt)
