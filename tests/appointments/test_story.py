"""A resident books, a neighbour waits and gets the freed seat, the hospital checks them in."""

from __future__ import annotations

from app.core import clock
from tests.appointments import helpers
from tests.appointments.helpers import THURSDAY, at

BOOK = "/api/v1/appointments"


def _publish(client, hospital, seats=1):
    provider = client.post(
        "/api/v1/appointments/institution/providers",
        headers=hospital,
        json={
            "kind": "hospital",
            "names": {"zh_Hans": "故事医院", "en": "Story Hospital"},
            "address": "南明区",
            "location": {"lat": 26.5676, "lng": 106.7128},
            "rules": {"hold_minutes": 10},
        },
    )
    assert provider.status_code == 201, provider.get_json()
    provider_id = provider.get_json()["id"]
    service = client.post(
        f"/api/v1/appointments/institution/providers/{provider_id}/services",
        headers=hospital,
        json={"names": {"zh_Hans": "心内科专家门诊"}, "department": "心内科", "practitioner": "张建国"},
    )
    assert service.status_code == 201, service.get_json()
    service_id = service.get_json()["id"]
    plan = client.post(
        f"/api/v1/appointments/institution/services/{service_id}/schedules",
        headers=hospital,
        json={
            "weekdays": [3],
            "day_start": "08:00",
            "day_end": "12:00",
            "breaks": [["10:00", "10:30"]],
            "slot_minutes": 30,
            "seats": seats,
            "valid_from": "2026-12-07",
            "valid_until": "2026-12-13",
        },
    )
    assert plan.status_code == 201, plan.get_json()
    assert plan.get_json()["slots"] == 7  # Thursday only: 08:00-10:00 and 10:30-12:00
    return provider_id, service_id


def test_book_wait_accept_check_in(client, auth, make_person, hospital):
    provider_id, service_id = _publish(client, hospital)
    near = client.get("/api/v1/appointments/providers/nearby?near=26.5680,106.7120&radius=2000").get_json()
    assert provider_id in [item["provider"]["id"] for item in near]
    found = client.get(f"/api/v1/appointments/services?provider_id={provider_id}&practitioner=张").get_json()
    assert [item["id"] for item in found["items"]] == [service_id]
    slots = client.get(f"/api/v1/appointments/slots?service_id={service_id}&date=2026-12-10").get_json()
    assert [slot["start"][11:16] for slot in slots] == [
        "00:00",
        "00:30",
        "01:00",
        "01:30",
        "02:30",
        "03:00",
        "03:30",
    ]
    slot_id = slots[0]["id"]

    owner, neighbour = helpers.verified(make_person, "李明"), helpers.verified(make_person, "赵丽")
    first = client.post(BOOK, headers=auth(owner, **{"Idempotency-Key": "b-1"}), json={"slot_id": slot_id})
    assert first.status_code == 201, first.get_json()
    booking = first.get_json()
    assert booking["status"] == "booked" and booking["external_ref"].startswith("SBX-")
    again = client.post(BOOK, headers=auth(owner, **{"Idempotency-Key": "b-1"}), json={"slot_id": slot_id})
    assert again.get_json()["id"] == booking["id"]  # a retried request books once
    full = client.post(BOOK, headers=auth(neighbour, **{"Idempotency-Key": "b-2"}), json={"slot_id": slot_id})
    assert full.status_code == 409 and full.get_json()["code"] == "slot-full"
    assert client.get(f"/api/v1/appointments/slots/{slot_id}").get_json()["status"] == "busy"
    as_fhir = client.get(f"/api/v1/appointments/slots/{slot_id}/fhir").get_json()
    assert (as_fhir["resourceType"], as_fhir["status"], as_fhir["comment"]) == ("Slot", "busy", "0/1")

    verified = client.get(f"/api/v1/appointments/confirmations/verify?code={booking['confirmation_code']}")
    assert verified.status_code == 200 and verified.get_json()["name"] == "李*"
    forged = booking["confirmation_code"][:-1] + ("0" if booking["confirmation_code"][-1] != "0" else "1")
    assert client.get(f"/api/v1/appointments/confirmations/verify?code={forged}").status_code == 404

    wait = client.post(f"/api/v1/appointments/slots/{slot_id}/waitlist", headers=auth(neighbour))
    assert wait.status_code == 201 and wait.get_json()["position"] == 1
    cancelled = client.post(f"{BOOK}/{booking['id']}/cancel", headers=auth(owner))
    assert cancelled.get_json()["status"] == "cancelled"
    entry = client.get(
        f"/api/v1/appointments/waitlist/{wait.get_json()['id']}", headers=auth(neighbour)
    ).get_json()
    assert entry["status"] == "offered"
    home = client.get("/api/v1/me/home", headers=auth(neighbour)).get_json()
    assert "waitlist_offer" in str(home)
    accepted = client.post(
        f"/api/v1/appointments/waitlist/{entry['id']}/accept",
        headers=auth(neighbour, **{"Idempotency-Key": "a-1"}),
    )
    assert accepted.status_code == 201, accepted.get_json()
    mine = accepted.get_json()
    assert [event["kind"] for event in mine["timeline"]] == ["booked"]

    clock.set_to(at(THURSDAY, "07:40"))
    hospital = helpers.hospital_headers(client)  # a fresh token: days have passed
    code = client.get("/api/v1/me/citycode", headers=auth(neighbour)).get_json()["code"]
    arrived = client.post("/api/v1/appointments/institution/check-in", headers=hospital, json={"code": code})
    assert arrived.status_code == 200, arrived.get_json()
    assert arrived.get_json()["queue_number"] == 1 and arrived.get_json()["people_ahead"] == 0
    seen = client.get(f"{BOOK}/{mine['id']}", headers=auth(neighbour)).get_json()
    assert seen["status"] == "arrived" and [e["kind"] for e in seen["timeline"]] == ["booked", "arrived"]
    fhir = client.get(
        f"/api/v1/appointments/institution/appointments/{mine['id']}", headers=hospital
    ).get_json()
    assert fhir["resourceType"] == "Appointment" and fhir["status"] == "arrived"
    done = client.post(f"/api/v1/appointments/institution/appointments/{mine['id']}/fulfil", headers=hospital)
    assert done.get_json()["status"] == "fulfilled"
    listed = client.get(f"{BOOK}?status=fulfilled", headers=auth(neighbour)).get_json()
    assert [item["id"] for item in listed["items"]] == [mine["id"]]


def test_another_hospital_and_another_resident_see_nothing(
    client, auth, make_person, hospital, other_resident
):
    provider_id, service_id = _publish(client, hospital)
    other = helpers.hospital_headers(client, helpers.OTHER_HOSPITAL)
    slots = client.get(f"/api/v1/appointments/slots?service_id={service_id}&date=2026-12-10").get_json()
    owner = helpers.verified(make_person)
    booking = client.post(
        BOOK, headers=auth(owner, **{"Idempotency-Key": "k"}), json={"slot_id": slots[0]["id"]}
    )
    booking_id = booking.get_json()["id"]
    assert (
        client.get(f"/api/v1/appointments/institution/appointments/{booking_id}", headers=other).status_code
        == 404
    )
    assert client.get(f"{BOOK}/{booking_id}/fhir", headers=auth(other_resident)).status_code == 404
    assert (
        client.get(f"{BOOK}/{booking_id}/fhir", headers=auth(owner)).get_json()["resourceType"]
        == "Appointment"
    )
    someone = helpers.verified(make_person, "后到者")
    entry = client.post(
        f"/api/v1/appointments/slots/{slots[0]['id']}/waitlist", headers=auth(someone)
    ).get_json()
    client.post(f"{BOOK}/{booking_id}/cancel", headers=auth(owner))
    taken = client.post(
        f"/api/v1/appointments/waitlist/{entry['id']}/accept",
        headers=auth(other_resident, **{"Idempotency-Key": "x"}),
    )
    assert taken.status_code == 404
    steal = client.post(
        f"/api/v1/appointments/institution/providers/{provider_id}/services",
        headers=other,
        json={"names": {"zh_Hans": "x"}},
    )
    assert steal.status_code == 404
    resident_publishing = client.post(
        "/api/v1/appointments/institution/check-in", headers=auth(owner), json={"code": "x"}
    )
    assert resident_publishing.status_code == 403


def test_bad_plans_and_bad_queries_are_problems(client, hospital):
    _, service_id = _publish(client, hospital)
    bad = client.post(
        f"/api/v1/appointments/institution/services/{service_id}/schedules",
        headers=hospital,
        json={"day_start": "12:00", "day_end": "08:00", "slot_minutes": 30, "seats": 1,
              "valid_from": "2026-12-07", "valid_until": "2026-12-08"},
    )  # fmt: skip
    assert bad.status_code == 422 and "day_end" in str(bad.get_json())
    both = client.get(
        f"/api/v1/appointments/slots?date=2026-12-10&service_id={service_id}&provider_id={service_id}"
    )
    assert both.status_code == 422
