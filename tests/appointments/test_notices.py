"""What a resident hears and sees: confirmations, reminders, home cards, a guardian booking for an elder."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from app.appointments import services
from app.core import clock
from app.core.models import utcnow
from app.extensions import db
from app.identity import services as identity
from app.notifications.models import OutboxMessage
from tests.appointments import helpers
from tests.appointments.helpers import THURSDAY, as_person, at


def _templates(person) -> list[str]:
    stmt = db.select(OutboxMessage.template).where(OutboxMessage.recipient_id == person.id)
    return sorted(db.session.scalars(stmt))


def test_a_booking_is_confirmed_and_reminded_the_day_and_the_hour_before(db, make_person, monday):
    _, _, _, slots = helpers.publish(seats=2)
    person = helpers.verified(make_person)
    with mock.patch("app.core.jobs.enqueue_at") as enqueue_at:
        booking = services.book(as_person(person), slots[0].id)
    assert _templates(person) == ["appointment_booked"]
    assert [call.args for call in enqueue_at.call_args_list] == [
        (slots[0].starts_at - timedelta(days=1), "app.appointments.jobs.remind", str(booking.id), "day"),
        (slots[0].starts_at - timedelta(hours=1), "app.appointments.jobs.remind", str(booking.id), "hour"),
    ]
    with clock.frozen(slots[0].starts_at - timedelta(hours=1)):
        assert services.remind(booking.id, "hour") is True
        assert services.remind(booking.id, "hour") is True  # once: the dedupe key holds it
    assert _templates(person) == ["appointment_booked", "appointment_reminder"]
    services.cancel(as_person(person), booking.id)
    assert services.remind(booking.id, "day") is False  # a cancelled booking is not reminded


def test_the_home_shows_a_held_seat_and_the_next_appointment(client, auth, make_person, monday):
    _, service, _, slots = helpers.publish(seats=1)
    first, second = helpers.verified(make_person, "甲"), helpers.verified(make_person, "乙")
    booking = services.book(as_person(first), slots[0].id)
    entry = services.join_waitlist(as_person(second), slots[0].id).record
    cards = client.get("/api/v1/me/home", headers=auth(first)).get_json()
    assert "upcoming_appointment" in str(cards)
    services.cancel(as_person(first), booking.id)
    home = client.get("/api/v1/me/home", headers=auth(second)).get_json()
    text = str(home)
    assert "waitlist_offer" in text and f"/api/v1/appointments/waitlist/{entry.id}" in text
    assert "upcoming_appointment" not in str(client.get("/api/v1/me/home", headers=auth(first)).get_json())
    clock.set_to(entry.hold_until + timedelta(seconds=1))
    assert "waitlist_offer" not in str(client.get("/api/v1/me/home", headers=auth(second)).get_json())


def test_a_guardian_books_for_an_elder_who_sees_it(client, auth, make_person, monday):
    _, _, _, slots = helpers.publish(seats=2)
    elder, daughter = helpers.verified(make_person, "李奶奶"), make_person(name="女儿")
    identity.grant_mandate(
        as_person(elder),
        grantee_phone=daughter.phone,
        scopes=["appointments"],
        expires_at=utcnow() + timedelta(days=30),
    )
    for_elder = auth(daughter, **{"X-On-Behalf-Of": str(elder.id), "Idempotency-Key": "for-grandma"})
    booked = client.post("/api/v1/appointments", headers=for_elder, json={"slot_id": str(slots[0].id)})
    assert booked.status_code == 201, booked.get_json()
    assert booked.get_json()["booked_by_id"] == str(daughter.id)
    mine = client.get("/api/v1/appointments", headers=auth(elder)).get_json()
    assert [item["id"] for item in mine["items"]] == [booked.get_json()["id"]]
    assert client.get("/api/v1/appointments", headers=auth(daughter)).get_json()["items"] == []
    assert _templates(elder) == ["appointment_booked"]
    log = client.get("/api/v1/me/access-log", headers=auth(elder)).get_json()
    assert str(daughter.id) in str(log)


def test_check_ins_number_the_queue_of_the_day(client, auth, make_person, hospital):
    _, _, _, slots = helpers.publish(seats=3, rules={"per_day": 3})
    people = [helpers.verified(make_person, name) for name in ("一", "二", "三")]
    bookings = [services.book(as_person(person), slots[0].id) for person in people]
    clock.set_to(at(THURSDAY, "07:45"))
    desk = helpers.hospital_headers(client)
    numbers = []
    for person in people[:2]:
        code = identity.my_city_code(as_person(person)).code
        arrived = client.post("/api/v1/appointments/institution/check-in", headers=desk, json={"code": code})
        assert arrived.status_code == 200, arrived.get_json()
        numbers.append((arrived.get_json()["queue_number"], arrived.get_json()["people_ahead"]))
    assert numbers == [(1, 0), (2, 1)]
    again = client.post(
        "/api/v1/appointments/institution/check-in",
        headers=desk,
        json={"code": identity.my_city_code(as_person(people[0])).code},
    )
    assert again.status_code == 409 and again.get_json()["code"] == "nothing-to-check-in"
    client.post(f"/api/v1/appointments/institution/appointments/{bookings[0].id}/fulfil", headers=desk)
    second = client.get(f"/api/v1/appointments/{bookings[1].id}", headers=auth(people[1])).get_json()
    assert second["people_ahead"] == 0  # the first is done
    not_yet = client.post(
        f"/api/v1/appointments/institution/appointments/{bookings[2].id}/fulfil", headers=desk
    )
    assert not_yet.status_code == 409 and not_yet.get_json()["code"] == "not-checked-in"
