"""The provider's desk: the day's bookings, a check-in by the booking, a no-show, a visit closed."""

from __future__ import annotations

from datetime import timedelta

from app.appointments.jobs import sweep_appointments
from app.core import clock
from tests.appointments import helpers
from tests.appointments.helpers import THURSDAY, at
from tests.statements import Statements

BOOK = "/api/v1/appointments"
INSTITUTION = "/api/v1/appointments/institution"


def _booked(client, auth, make_person, names=("王小二", "李四")):
    provider, service, _, slots = helpers.publish(seats=2, day_end="10:00")
    people, bookings = [], []
    for i, name in enumerate(names):
        person = helpers.verified(make_person, name)
        answer = client.post(
            BOOK, headers=auth(person, **{"Idempotency-Key": f"k{i}"}), json={"slot_id": str(slots[i].id)}
        )
        assert answer.status_code == 201, answer.get_json()
        people.append(person)
        bookings.append(answer.get_json()["id"])
    return provider, service, people, bookings


def test_the_desk_lists_the_day_checks_in_and_marks_a_noshow(client, auth, make_person, hospital):
    provider, _, people, bookings = _booked(client, auth, make_person)
    with clock.frozen(at(THURSDAY, "08:20")):
        hospital = helpers.hospital_headers(client)  # a token of the day
        day = client.get(f"{INSTITUTION}/providers/{provider.id}/appointments", headers=hospital)
        assert day.status_code == 200, day.get_json()
        listed = day.get_json()["items"]
        assert [item["id"] for item in listed] == bookings
        assert [item["resident_name"] for item in listed] == ["王**", "李*"]
        assert {item["status"] for item in listed} == {"booked"}
        arrived = client.post(f"{INSTITUTION}/appointments/{bookings[0]}/arrive", headers=hospital)
        assert arrived.status_code == 200, arrived.get_json()
        assert (arrived.get_json()["status"], arrived.get_json()["queue_number"]) == ("arrived", 1)
        again = client.post(f"{INSTITUTION}/appointments/{bookings[0]}/arrive", headers=hospital)
        assert (again.status_code, again.get_json()["code"]) == (409, "appointment-not-booked")
        early = client.post(f"{INSTITUTION}/appointments/{bookings[1]}/noshow", headers=hospital)
        assert (early.status_code, early.get_json()["code"]) == (409, "appointment-not-due")  # the 08:30 slot
    with clock.frozen(at(THURSDAY, "09:20")):
        hospital = helpers.hospital_headers(client)
        missed = client.post(f"{INSTITUTION}/appointments/{bookings[1]}/noshow", headers=hospital)
        assert missed.status_code == 200, missed.get_json()
        assert missed.get_json()["status"] == "noshow"
        assert [e["kind"] for e in missed.get_json()["timeline"]] == ["booked", "noshow"]
        mine = client.get(f"{BOOK}/{bookings[1]}", headers=auth(people[1])).get_json()
        assert mine["status"] == "noshow"
        only_missed = client.get(
            f"{INSTITUTION}/providers/{provider.id}/appointments?status=noshow", headers=hospital
        ).get_json()
        assert [item["id"] for item in only_missed["items"]] == [bookings[1]]


def test_a_desk_check_in_is_only_on_the_day(client, auth, make_person, hospital):
    _, _, _, bookings = _booked(client, auth, make_person, names=("王小二",))
    early = client.post(f"{INSTITUTION}/appointments/{bookings[0]}/arrive", headers=hospital)
    assert (early.status_code, early.get_json()["code"]) == (409, "appointment-not-due")
    other_day = client.get(
        f"{INSTITUTION}/providers/{helpers.uuid.uuid4()}/appointments?date=2026-12-10", headers=hospital
    )
    assert other_day.status_code == 404


def test_another_hospital_and_residents_reach_no_desk(client, auth, make_person, hospital):
    provider, _, people, bookings = _booked(client, auth, make_person, names=("王小二",))
    with clock.frozen(at(THURSDAY, "08:40")):
        other = helpers.hospital_headers(client, helpers.OTHER_HOSPITAL)
        day = client.get(f"{INSTITUTION}/providers/{provider.id}/appointments?date=2026-12-10", headers=other)
        assert day.status_code == 404
        for action in ("arrive", "noshow"):
            answer = client.post(f"{INSTITUTION}/appointments/{bookings[0]}/{action}", headers=other)
            assert answer.status_code == 404, action
            by_resident = client.post(
                f"{INSTITUTION}/appointments/{bookings[0]}/{action}", headers=auth(people[0])
            )
            assert by_resident.status_code == 403, action
        resident_list = client.get(
            f"{INSTITUTION}/providers/{provider.id}/appointments", headers=auth(people[0])
        )
        assert resident_list.status_code == 403
        mine = client.get(f"{BOOK}/{bookings[0]}", headers=auth(people[0])).get_json()
        assert mine["status"] == "booked"


def test_a_desk_day_costs_the_same_statements_for_one_booking_as_for_two(client, auth, make_person, hospital):
    provider, _, _, _ = _booked(client, auth, make_person)
    counts = []
    with clock.frozen(at(THURSDAY, "08:20")):
        hospital = helpers.hospital_headers(client)
        for limit in (1, 2):
            path = f"{INSTITUTION}/providers/{provider.id}/appointments?limit={limit}"
            client.get(path, headers=hospital)  # warm: the token's key
            with Statements() as seen:
                day = client.get(path, headers=hospital)
            assert day.status_code == 200, day.get_json()
            counts.append((len(day.get_json()["items"]), seen.count))
    (one, for_one), (two, for_two) = counts
    assert (one, two) == (1, 2)
    assert for_two == for_one  # the residents' names in one statement, not one each


def test_a_check_in_the_desk_never_closes_is_fulfilled_by_the_sweep_the_morning_after(
    client, auth, make_person, hospital
):
    _, _, people, bookings = _booked(client, auth, make_person, names=("王小二",))
    with clock.frozen(at(THURSDAY, "08:10")):
        hospital = helpers.hospital_headers(client)
        arrived = client.post(f"{INSTITUTION}/appointments/{bookings[0]}/arrive", headers=hospital)
        assert arrived.status_code == 200, arrived.get_json()
        ends = arrived.get_json()["end"]
    mine = f"{BOOK}/{bookings[0]}"
    with clock.frozen(at(THURSDAY, "20:00")):  # under 12 hours after the slot: the desk may still close it
        assert sweep_appointments()["closed"] == 0
        assert client.get(mine, headers=auth(people[0])).get_json()["status"] == "arrived"
    with clock.frozen(at(THURSDAY, "08:10") + timedelta(hours=25)):
        assert sweep_appointments() == {"offers_expired": 0, "noshows": 0, "closed": 1}
        seen = client.get(mine, headers=auth(people[0])).get_json()
        assert seen["status"] == "fulfilled" and seen["end"] == ends
        assert [event["kind"] for event in seen["timeline"]] == ["booked", "arrived", "fulfilled"]
        assert seen["timeline"][-1]["by"] == "system"
        assert sweep_appointments()["closed"] == 0  # once
