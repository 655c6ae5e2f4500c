"""The waitlist: a freed seat is held for the first waiting; two offers expire and the seat goes back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.appointments import errors, services
from app.appointments.models import AppointmentStatus, WaitStatus
from app.core import clock
from app.extensions import db
from app.notifications.models import OutboxMessage
from tests.appointments import helpers
from tests.appointments.helpers import as_person
from tests.statements import Statements


def _notices(person, template):
    return db.session.scalars(
        db.select(OutboxMessage).where(
            OutboxMessage.recipient_id == person.id, OutboxMessage.template == template
        )
    ).all()


def test_two_offers_expire_and_the_seat_is_free_again(db, make_person, monday):
    _, _, _, slots = helpers.publish(seats=1, rules={"hold_minutes": 15})
    slot = slots[0]
    first, second, third = (helpers.verified(make_person, name) for name in ("甲", "乙", "丙"))
    booking = services.book(as_person(first), slot.id)
    with pytest.raises(errors.SlotFull):
        services.book(as_person(second), slot.id)
    waiting_b = services.join_waitlist(as_person(second), slot.id)
    waiting_c = services.join_waitlist(as_person(third), slot.id)
    assert (waiting_b.position, waiting_c.position) == (1, 2)

    services.cancel(as_person(first), booking.id)
    b, c = waiting_b.record, waiting_c.record
    assert b.status == WaitStatus.OFFERED and c.status == WaitStatus.WAITING
    assert b.hold_until == clock.utcnow() + timedelta(minutes=15)
    assert slot.seats_left == 0 and slot.held == 1  # nobody else may take the held seat
    assert len(_notices(second, "appointment_offer")) == 1
    with pytest.raises(errors.SlotFull):
        services.book(as_person(first), slot.id)

    clock.advance(timedelta(minutes=14))
    assert services.expire_offers() == 0  # not yet
    clock.advance(timedelta(minutes=2))
    assert services.expire_offers() == 1
    assert b.status == WaitStatus.EXPIRED and c.status == WaitStatus.OFFERED
    assert len(_notices(second, "appointment_offer_expired")) == 1
    assert len(_notices(third, "appointment_offer")) == 1
    with pytest.raises(errors.OfferGone):
        services.accept_offer(as_person(second), b.id)

    clock.advance(timedelta(minutes=16))
    assert services.expire_offer(c.id) is True
    assert services.expire_offer(c.id) is False  # a repeated job does nothing
    assert c.status == WaitStatus.EXPIRED
    assert slot.held == 0 and slot.seats_left == 1  # nobody waits: the seat is anyone's again


def test_an_accepted_offer_is_a_booking_at_once(db, make_person, monday):
    _, _, _, slots = helpers.publish(seats=1)
    first, second = helpers.verified(make_person, "甲"), helpers.verified(make_person, "乙")
    booking = services.book(as_person(first), slots[0].id)
    entry = services.join_waitlist(as_person(second), slots[0].id).record
    services.cancel(as_person(first), booking.id)
    appointment = services.accept_offer(as_person(second), entry.id)
    assert appointment.status == AppointmentStatus.BOOKED and appointment.person_id == second.id
    assert entry.status == WaitStatus.ACCEPTED and entry.appointment_id == appointment.id
    assert (slots[0].booked, slots[0].held, slots[0].seats_left) == (1, 0, 0)
    with pytest.raises(errors.OfferGone):
        services.accept_offer(as_person(second), entry.id)


def test_a_withdrawn_offer_passes_to_the_next(db, make_person, monday):
    _, _, _, slots = helpers.publish(seats=1)
    first, second, third = (helpers.verified(make_person, name) for name in ("甲", "乙", "丙"))
    booking = services.book(as_person(first), slots[0].id)
    b = services.join_waitlist(as_person(second), slots[0].id).record
    c = services.join_waitlist(as_person(third), slots[0].id).record
    services.cancel(as_person(first), booking.id)
    services.withdraw(as_person(second), b.id)
    assert (b.status, c.status) == (WaitStatus.WITHDRAWN, WaitStatus.OFFERED)


def test_a_slot_with_seats_has_no_waitlist_and_one_place_each(db, make_person, monday):
    _, _, _, slots = helpers.publish(seats=1)
    first, second = helpers.verified(make_person, "甲"), helpers.verified(make_person, "乙")
    with pytest.raises(errors.SeatsLeft):
        services.join_waitlist(as_person(second), slots[0].id)
    services.book(as_person(first), slots[0].id)
    services.join_waitlist(as_person(second), slots[0].id)
    with pytest.raises(errors.AlreadyWaiting):
        services.join_waitlist(as_person(second), slots[0].id)
    with pytest.raises(errors.AlreadyBooked):
        services.join_waitlist(as_person(first), slots[0].id)


def test_a_withdrawn_plan_cancels_bookings_and_offers_another_time(db, make_person, monday):
    _, service, schedule, slots = helpers.publish(seats=1)
    later = helpers.extend(service, helpers.THURSDAY + helpers.timedelta(days=1))
    person = helpers.verified(make_person)
    booking = services.book(as_person(person), slots[0].id)
    _, cancelled = services.withdraw_schedule(helpers.hospital_actor(), schedule.id)
    assert cancelled == 1
    assert booking.status == AppointmentStatus.CANCELLED and booking.cancel_reason == "provider"
    assert booking.alternative_slot_id == later[0].id
    assert all(slot.status == "busy-unavailable" for slot in slots)
    assert len(_notices(person, "appointment_cancelled_by_provider")) == 1


def test_a_page_of_my_waitlist_shows_each_place_in_the_same_statements_for_one_as_for_three(
    db, make_person, monday
):
    _, _, _, slots = helpers.publish(seats=1, day_end="10:00", rules={"per_day": 5, "per_week": 10})
    first, second, third = (helpers.verified(make_person, name) for name in ("甲", "乙", "丙"))
    for slot in slots[:3]:
        services.book(as_person(first), slot.id)
    services.join_waitlist(as_person(third), slots[0].id)  # ahead of the second on the first slot
    for slot in slots[:3]:
        services.join_waitlist(as_person(second), slot.id)
    db.session.flush()

    def page(limit):
        with Statements() as seen:
            items = services.my_waitlist(as_person(second), cursor=None, limit=limit).items
        return [item.position for item in items], seen.count

    (one, few), (three, many) = page(1), page(3)
    assert three == [1, 1, 2] and one == [1]  # newest first: the first slot's place, behind the third, last
    assert few == many, f"{few} statements for one place, {many} for three"
