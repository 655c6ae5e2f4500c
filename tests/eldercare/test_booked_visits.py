"""Care services booked through appointments, served by a visit verified at the elder's door, over HTTP.

A home-care provider's terminal publishes its home visits (上门助医, 助洁) as appointment services; a
guardian books one for grandma under an appointments mandate; the terminal's start scan names the
booking (arrived), the verified end fulfils it. The booking shows its visit, the visit its booking.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core import clock
from app.identity import clients
from tests.eldercare import helpers
from tests.transit.helpers import code_for, scanner_headers

PROVIDER, OTHER_PROVIDER = "test-home-care", "test-home-care-2"
VISITS = "/api/v1/eldercare/provider/visits"
INSTITUTION = "/api/v1/appointments/institution"
DOOR = {"lat": 26.5565, "lng": 106.6910, "coord_system": "gcj02"}
TODAY = helpers.DAYTIME.date().isoformat()


def _terminal(client, client_id=PROVIDER) -> dict:
    if clients.client_by_id(client_id) is None:
        clients.register_client(
            "care_provider", "颐康居家养老", client_id=client_id, secret=f"{client_id}-secret"
        )
    return scanner_headers(client, client_id)


def _publish(client, headers, service_type: str, name: str = "上门助医") -> str:
    """A community provider with one home-visit service of ``service_type`` and today's slots; the service."""
    provider = client.post(
        f"{INSTITUTION}/providers",
        json={"kind": "community", "names": {"zh_Hans": "颐康居家养老服务中心"}, "address": "花果园",
              "location": DOOR, "rules": {"per_day": 5, "cancel_days_before": 0, "cancel_until": "10:30"}},
        headers=headers,
    )  # fmt: skip
    assert provider.status_code == 201, provider.get_json()
    service = client.post(
        f"{INSTITUTION}/providers/{provider.get_json()['id']}/services",
        json={"names": {"zh_Hans": name}, "department": "居家护理", "service_type": service_type},
        headers=headers,
    )
    assert service.status_code == 201, service.get_json()
    plan = client.post(
        f"{INSTITUTION}/services/{service.get_json()['id']}/schedules",
        json={"weekdays": list(range(7)), "day_start": "11:00", "day_end": "17:00", "slot_minutes": 60,
              "seats": 3, "valid_from": TODAY, "valid_until": TODAY},
        headers=headers,
    )  # fmt: skip
    assert plan.status_code == 201, plan.get_json()
    return service.get_json()["id"]


def _slot(client, service_id: str) -> str:
    slots = client.get("/api/v1/appointments/slots", query_string={"service_id": service_id, "date": TODAY})
    return slots.get_json()[0]["id"]


def _book(client, headers, slot_id: str, key: str):
    return client.post(
        "/api/v1/appointments", json={"slot_id": slot_id}, headers={**headers, "Idempotency-Key": key}
    )


def _start(client, headers, elder, ref: str, service: str, appointment_id):
    body = {"visit_ref": ref, "service": service, "caregiver": "赵护士", "code": code_for(elder),
            "location": DOOR, "appointment_id": appointment_id}  # fmt: skip
    return client.post(VISITS, json=body, headers=headers)


@pytest.fixture
def booking_world(client, auth, family, db, make_person):
    """The terminal's medical-visit service, 40 yuan on grandma's voucher, her daughter's booking for her."""
    elder = family["elder"]
    guardian = make_person(name="李女士")
    helpers.guard(elder, guardian, scopes=("eldercare", "appointments"))  # the booking needs appointments
    db.session.commit()
    url = f"/api/v1/staff/eldercare/elders/{elder.id}/voucher"
    assert (
        client.post(url, json={"amount": {"amount_fen": 4000}}, headers=auth(family["worker"])).status_code
        == 200
    )
    terminal = _terminal(client)
    service_id = _publish(client, terminal, "medical_visit")
    for_her = auth(guardian, **{"X-On-Behalf-Of": str(elder.id)})
    booked = _book(client, for_her, _slot(client, service_id), "book-grandma")
    assert booked.status_code == 201, booked.get_json()
    return {**family, "guardian": guardian, "terminal": terminal, "service_id": service_id,
            "booking": booked.get_json()}  # fmt: skip


def test_a_guardian_books_a_home_visit_and_the_verified_visit_arrives_and_fulfils_it(
    client, auth, booking_world
):
    elder, guardian = booking_world["elder"], booking_world["guardian"]
    terminal, booking = booking_world["terminal"], booking_world["booking"]
    assert (booking["status"], booking["booked_by_id"], booking["visit_id"]) == (
        "booked",
        str(guardian.id),
        None,
    )
    mine = client.get(f"/api/v1/appointments/{booking['id']}", headers=auth(elder))
    assert mine.status_code == 200 and mine.get_json()["service"]["service_type"] == "medical_visit"
    log = client.get("/api/v1/me/access-log", headers=auth(elder)).get_json()["items"]
    proxied = [e for e in log if e["actor_kind"] == "proxy" and e["resource"] == "POST /api/v1/appointments"]
    assert [e["proxy_person_id"] for e in proxied] == [str(guardian.id)]  # she sees who booked for her

    started = _start(client, terminal, elder, "H-1", "medical_visit", booking["id"])
    assert started.status_code == 201, started.get_json()
    visit = started.get_json()
    assert (visit["status"], visit["appointment_id"], visit["order_id"]) == (
        "in_progress",
        booking["id"],
        None,
    )
    arrived = client.get(f"/api/v1/appointments/{booking['id']}", headers=auth(elder)).get_json()
    assert (arrived["status"], arrived["visit_id"]) == ("arrived", visit["id"])
    assert arrived["queue_number"] == 1
    again = _start(client, terminal, elder, "H-1", "medical_visit", booking["id"])
    assert again.status_code == 201 and again.get_json()["id"] == visit["id"]  # a retry: the same visit

    with clock.frozen(helpers.DAYTIME + timedelta(minutes=50)):
        terminal = _terminal(client)
        ended = client.post(
            f"{VISITS}/{visit['id']}/end", json={"code": code_for(elder), "location": DOOR}, headers=terminal
        )
        done = client.get(f"/api/v1/appointments/{booking['id']}", headers=auth(elder)).get_json()
        seen_by_guardian = client.get(
            f"/api/v1/eldercare/visits/{visit['id']}",
            headers=auth(guardian, **{"X-On-Behalf-Of": str(elder.id)}),
        ).get_json()
        desk = client.get(f"{INSTITUTION}/appointments/{booking['id']}", headers=terminal)
    assert ended.status_code == 200, ended.get_json()
    verified = ended.get_json()
    assert (
        verified["status"] == "verified" and verified["subsidy"]["amount_fen"] == 4000
    )  # 60 yuan rate, 40 left
    assert verified["payment_id"] and verified["appointment_id"] == booking["id"]
    assert (done["status"], done["visit_id"]) == ("fulfilled", visit["id"])
    assert [step["kind"] for step in done["timeline"]][-2:] == ["arrived", "fulfilled"]
    assert seen_by_guardian["appointment_id"] == booking["id"]
    assert desk.status_code == 200 and desk.get_json()["status"] == "fulfilled"


def test_a_visit_naming_someone_elses_booking_another_service_or_a_cancelled_one_is_refused(
    client, auth, booking_world, make_person, db
):
    elder, terminal, booking = booking_world["elder"], booking_world["terminal"], booking_world["booking"]
    neighbour = helpers.verified(make_person, name="邻居奶奶", born=1945)
    helpers.profile(neighbour)
    db.session.commit()
    theirs = _book(
        client, auth(neighbour), _slot(client, booking_world["service_id"]), "book-neighbour"
    ).get_json()

    # Another elder's booking at the same provider: 422, and nothing is tied.
    mismatch = _start(client, terminal, elder, "H-2", "medical_visit", theirs["id"])
    assert mismatch.status_code == 422 and mismatch.get_json()["code"] == "visit-booking-mismatch"
    # Her own booking, but the visit is for another service than the one booked.
    other_service = _start(client, terminal, elder, "H-3", "cleaning", booking["id"])
    assert other_service.status_code == 422 and other_service.get_json()["code"] == "visit-booking-mismatch"
    # Another provider's terminal naming her booking: it does not exist for them.
    foreign = _start(client, _terminal(client, OTHER_PROVIDER), elder, "H-4", "medical_visit", booking["id"])
    assert foreign.status_code == 404
    untied = client.get(f"/api/v1/appointments/{booking['id']}", headers=auth(elder)).get_json()
    assert (untied["status"], untied["visit_id"]) == ("booked", None)
    assert client.get("/api/v1/eldercare/visits", headers=auth(elder)).get_json()["items"] == []

    # A cancelled booking is no longer there to be served.
    cancelled = client.post(f"/api/v1/appointments/{theirs['id']}/cancel", headers=auth(neighbour))
    assert cancelled.status_code == 200, cancelled.get_json()
    gone = _start(client, terminal, neighbour, "H-5", "medical_visit", theirs["id"])
    assert gone.status_code == 409 and gone.get_json()["code"] == "appointment-not-booked"
    # Without a valid scan there is no visit and the booking stays as it was.
    refused = client.post(
        VISITS,
        json={"visit_ref": "H-6", "service": "medical_visit", "caregiver": "赵护士", "code": "not-a-code",
              "location": DOOR, "appointment_id": booking["id"]},
        headers=terminal,
    )  # fmt: skip
    assert refused.status_code == 422 and refused.get_json()["code"] == "visit-scan-refused"
    assert (
        client.get(f"/api/v1/appointments/{booking['id']}", headers=auth(elder)).get_json()["status"]
        == "booked"
    )


def test_another_resident_sees_neither_the_booking_nor_its_visit(client, auth, booking_world, other_resident):
    elder, terminal, booking = booking_world["elder"], booking_world["terminal"], booking_world["booking"]
    visit = _start(client, terminal, elder, "H-7", "medical_visit", booking["id"]).get_json()
    assert (
        client.get(f"/api/v1/appointments/{booking['id']}", headers=auth(other_resident)).status_code == 404
    )
    assert (
        client.get(f"/api/v1/eldercare/visits/{visit['id']}", headers=auth(other_resident)).status_code == 404
    )
    outside = auth(other_resident, **{"X-On-Behalf-Of": str(elder.id)})
    assert client.get(f"/api/v1/appointments/{booking['id']}", headers=outside).status_code in (403, 404)
