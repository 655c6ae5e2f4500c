"""Real contention on PostgreSQL: 200 residents at once for a slot of 10 seats; the last seat once."""

from __future__ import annotations

import pytest

from app.appointments import errors, services
from app.appointments.models import Appointment, Slot
from app.core import clock
from tests.appointments import helpers

pytestmark = pytest.mark.postgres


def _slot(committed, seats: int):
    def publish():
        _, _, _, slots = helpers.publish(seats=seats, rules={"real_name": False})
        return slots[0].id

    return committed.run(publish)


def test_two_hundred_bookings_for_ten_seats_give_exactly_ten(committed):
    with clock.frozen(helpers.MONDAY):
        slot_id = _slot(committed, 10)
        people = [committed.person(f"抢号{i}") for i in range(200)]

        def book(i):
            return services.book(helpers.as_person(people[i]), slot_id).id

        results = committed.concurrently(200, book)
    booked = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(booked) == 10
    assert all(isinstance(r, errors.SlotFull) for r in refused), {type(r) for r in refused}
    assert committed.count(Appointment, Appointment.slot_id == slot_id) == 10
    slot = committed.run(lambda: helpers.services.slot(slot_id).booked)
    assert slot == 10


def test_the_last_seat_and_a_waitlist_offer_race_to_one_holder(committed):
    with clock.frozen(helpers.MONDAY):
        slot_id = _slot(committed, 1)
        people = [committed.person(f"候补{i}") for i in range(8)]
        committed.run(lambda: services.book(helpers.as_person(people[0]), slot_id))
        entry = committed.run(lambda: services.join_waitlist(helpers.as_person(people[1]), slot_id).id)
        booking = committed.run(
            lambda: (
                services.my_appointments(helpers.as_person(people[0]), status=None, cursor=None, limit=1)
                .items[0]
                .id
            )
        )

        def race(i):
            if i == 0:
                return services.cancel(helpers.as_person(people[0]), booking).status
            if i == 1:
                return services.accept_offer(helpers.as_person(people[1]), entry).status
            return services.book(helpers.as_person(people[i]), slot_id).status

        results = committed.concurrently(8, race)
    seats = committed.run(lambda: (services.slot(slot_id).booked, services.slot(slot_id).held))
    active = committed.count(Appointment, Appointment.slot_id == slot_id, Appointment.status == "booked")
    assert active == seats[0] <= 1 and seats[1] in (0, 1) and seats[0] + seats[1] == 1, results
    assert committed.count(Slot, Slot.id == slot_id, Slot.booked + Slot.held <= Slot.capacity) == 1
