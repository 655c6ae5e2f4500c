"""The provider's rules applied to real bookings, with the clock held: window, real name, quotas, bans."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.appointments import errors, services
from app.appointments.models import AppointmentStatus, Slot
from app.core import clock
from app.core.calendar import SHANGHAI
from tests.appointments import helpers
from tests.appointments.helpers import THURSDAY, as_person, at


@pytest.mark.parametrize(
    ("now", "refused"),
    [
        ("2026-12-03 07:59", errors.BookingNotOpen),  # Thursday's slots open 7 days before, at 08:00
        ("2026-12-03 08:00", None),
        ("2026-12-10 08:00", errors.SlotUnavailable),  # the slot has begun
    ],
)
def test_the_booking_window(db, make_person, now, refused):
    with clock.frozen(at(THURSDAY - timedelta(days=10), "09:00")):
        _, _, _, slots = helpers.publish(seats=2, day_start="08:00", day_end="09:00")
        person = helpers.verified(make_person)
    with clock.frozen(datetime.fromisoformat(now).replace(tzinfo=SHANGHAI)):
        if refused is None:
            assert services.book(as_person(person), slots[0].id).status == AppointmentStatus.BOOKED
        else:
            with pytest.raises(refused):
                services.book(as_person(person), slots[0].id)


def test_real_name_is_required_unless_the_provider_waives_it(db, make_person, monday):
    _, _, _, slots = helpers.publish(seats=2)
    unverified = make_person(name="未实名")
    with pytest.raises(errors.RealNameRequired):
        services.book(as_person(unverified), slots[0].id)
    _, _, _, open_slots = helpers.publish(seats=2, rules={"real_name": False})
    assert services.book(as_person(unverified), open_slots[0].id).status == "booked"


@pytest.mark.parametrize(
    ("rules", "already", "refused"),
    [
        ({"per_day": 1}, 1, errors.QuotaReached),
        ({"per_day": 2}, 1, None),
        ({"per_day": 5, "per_provider": 2}, 2, errors.QuotaReached),
    ],
)
def test_quotas_per_day_and_per_provider(db, make_person, monday, rules, already, refused):
    _, _, _, slots = helpers.publish(seats=1, rules=rules, day_end="11:00")
    person = helpers.verified(make_person)
    for slot in slots[:already]:
        services.book(as_person(person), slot.id)
    if refused:
        with pytest.raises(refused):
            services.book(as_person(person), slots[already].id)
    else:
        services.book(as_person(person), slots[already].id)


def test_the_weekly_quota_counts_the_week_of_the_slot(db, make_person):
    with clock.frozen(at(THURSDAY - timedelta(days=3), "08:00")):
        person = helpers.verified(make_person)
        _, service, _, thursday = helpers.publish(
            rules={"per_week": 2, "per_provider": 10, "window_days": 10}
        )
        friday, saturday, monday = (helpers.extend(service, THURSDAY + timedelta(days=n)) for n in (1, 2, 4))
        services.book(as_person(person), thursday[0].id)
        services.book(as_person(person), friday[0].id)  # the second this week
        with pytest.raises(errors.QuotaReached):
            services.book(as_person(person), saturday[0].id)  # a third in the same week
        services.book(as_person(person), monday[0].id)  # next Monday: a new week


@pytest.mark.parametrize(("noshows", "banned_days"), [(1, 30), (2, 60), (3, 90)])
def test_missed_appointments_suspend_booking_for_longer_each_time(db, make_person, noshows, banned_days):
    person = helpers.verified(make_person)
    rules = {"per_day": 5, "per_provider": 10, "window_days": 30}
    start = at(THURSDAY, "07:00") - timedelta(days=noshows * 3 + 5)
    with clock.frozen(start):
        provider, service, _, _ = helpers.publish(seats=1, rules=rules, day=THURSDAY)
        actor = helpers.hospital_actor()
        services.publish_schedule(
            actor, service.id, weekdays=list(range(7)), day_start="08:00", day_end="08:30", slot_minutes=30,
            seats=1, valid_from=start.date() + timedelta(days=1), valid_until=THURSDAY + timedelta(days=45),
        )  # fmt: skip
        slots = db.session.scalars(
            db.select(Slot).where(Slot.service_id == service.id).order_by(Slot.starts_at)
        ).all()
        missed = [services.book(as_person(person), slots[i * 3].id) for i in range(noshows)]
    last_missed = missed[-1].starts_at
    with clock.frozen(last_missed + timedelta(hours=2)):
        assert services.mark_noshows() == noshows
        assert {a.status for a in missed} == {AppointmentStatus.NOSHOW}
        later = next(s for s in slots if s.starts_at > last_missed + timedelta(days=1))
        with pytest.raises(errors.BookingSuspended):
            services.book(as_person(person), later.id)
    with clock.frozen(last_missed + timedelta(days=banned_days - 1)):
        still = helpers.extend(service, clock.utcnow().date() + timedelta(days=2))
        with pytest.raises(errors.BookingSuspended):
            services.book(as_person(person), still[0].id)
    with clock.frozen(last_missed + timedelta(days=banned_days, hours=1)):
        assert services.book(as_person(person), still[0].id).status == AppointmentStatus.BOOKED


def test_cancelling_before_the_deadline_frees_the_seat_and_after_it_is_refused(db, make_person, monday):
    _, _, _, slots = helpers.publish(seats=1)
    person = helpers.verified(make_person)
    booking = services.book(as_person(person), slots[0].id)
    assert slots[0].seats_left == 0
    services.cancel(as_person(person), booking.id)
    assert booking.status == AppointmentStatus.CANCELLED and slots[0].seats_left == 1
    again = services.book(as_person(person), slots[0].id)
    with clock.frozen(at(THURSDAY - timedelta(days=1), "15:00")), pytest.raises(errors.CancellationClosed):
        services.cancel(as_person(person), again.id)


def test_a_seat_is_booked_once_per_person(db, make_person, monday):
    _, _, _, slots = helpers.publish(seats=3, rules={"per_day": 3})
    person = helpers.verified(make_person)
    services.book(as_person(person), slots[0].id)
    with pytest.raises(errors.AlreadyBooked):
        services.book(as_person(person), slots[0].id)
