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


def _slots_over_days(committed, days: int, rules: dict) -> list:
    """One seat a slot, two slots a day, from Thursday on for ``days`` days (one week); their ids."""

    def publish():
        _, service, _, slots = helpers.publish(seats=1, rules={"real_name": False, **rules}, day_end="09:00")
        ids = [slot.id for slot in slots]
        for offset in range(1, days):
            later = helpers.THURSDAY + helpers.timedelta(days=offset)
            ids += [slot.id for slot in helpers.extend(service, later, day_end="09:00")]
        return ids

    return committed.run(publish)


def test_one_resident_booking_ten_slots_of_a_day_at_once_gets_one(committed):
    with clock.frozen(helpers.MONDAY):

        def publish():
            _, _, _, slots = helpers.publish(
                seats=3, rules={"real_name": False, "per_day": 1}, day_start="08:00", day_end="13:00"
            )
            return [slot.id for slot in slots[:10]]

        slot_ids = committed.run(publish)
        person = committed.person("一日一号")

        def book(i):
            return services.book(helpers.as_person(person), slot_ids[i % len(slot_ids)]).id

        results = committed.concurrently(20, book)
    booked = [r for r in results if not isinstance(r, Exception)]
    refused = {type(r) for r in results if isinstance(r, Exception)}
    assert len(booked) == 1, results
    assert refused <= {errors.QuotaReached, errors.AlreadyBooked}, refused
    mine = committed.count(Appointment, Appointment.person_id == person.id, Appointment.status == "booked")
    assert mine == 1
    seats = committed.run(lambda: sum(services.slot(slot_id).booked for slot_id in slot_ids))
    assert seats == 1


def test_the_week_quota_holds_when_one_resident_books_a_week_of_slots_at_once(committed):
    with clock.frozen(helpers.MONDAY):
        slot_ids = _slots_over_days(committed, 4, {"per_day": 2, "per_week": 3, "per_provider": 10})
        person = committed.person("一周三号")

        def book(i):
            return services.book(helpers.as_person(person), slot_ids[i]).local_date

        results = committed.concurrently(len(slot_ids), book)
    days = [r for r in results if not isinstance(r, Exception)]
    refused = {type(r) for r in results if isinstance(r, Exception)}
    assert len(slot_ids) == 8 and len(days) == 3, results
    assert refused == {errors.QuotaReached}
    assert all(days.count(day) <= 2 for day in days)
    mine = committed.count(Appointment, Appointment.person_id == person.id, Appointment.status == "booked")
    seats = committed.run(lambda: sum(services.slot(slot_id).booked for slot_id in slot_ids))
    assert mine == seats == 3
