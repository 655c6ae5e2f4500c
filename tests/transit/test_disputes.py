"""Concessions and disputes through HTTP: a school attests a student, a rider disputes a paid fare."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.core import clock
from app.core.actors import Actor, ActorKind
from app.extensions import db
from app.identity import services as identity
from app.notifications.models import OutboxMessage
from app.payments import sandbox
from app.payments.models import PaymentRefund
from app.transit import services
from tests.eldercare.helpers import national_id
from tests.statements import Statements
from tests.transit import helpers

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI)


def _ride_metro(client, scanner, person, at=MORNING, exit_station="BJL"):
    for gate, kind, moment in (
        (helpers.gate("M1", "DGG", "IN"), "entry", at),
        (helpers.gate("M1", exit_station, "OUT"), "exit", at + timedelta(minutes=25)),
    ):
        with clock.frozen(moment):
            body = {"gate": gate, "tap_id": helpers.tap_id(), "kind": kind, "code": helpers.code_for(person)}
            assert client.post(helpers.TAPS, json=body, headers=scanner()).status_code == 200


def _settle(at=MORNING):
    next_day = at + timedelta(days=1)
    with clock.frozen(next_day):
        services.settle_days()
        sandbox.run(next_day)


def _verified(person, born=2010):
    identity.verify_real_name(Actor(kind=ActorKind.PERSON, person_id=person.id), "王同学", national_id(born))


def test_a_student_attested_by_a_school_rides_at_half_fare(client, scanner, resident, auth):
    _verified(resident)
    with clock.frozen(MORNING - timedelta(days=1)):
        school = helpers.institution(client, helpers.SCHOOL, "education")
        body = {
            "phone": resident.phone,
            "valid_from": "2026-09-01",
            "valid_until": "2027-07-15",
            "reference": "S1",
        }
        attested = client.put("/api/v1/transit/concessions/students", json=body, headers=school)
        assert attested.status_code == 200, attested.get_data(as_text=True)
        mine = client.get("/api/v1/transit/concessions", headers=auth(resident)).get_json()
    assert mine["today"] == "student" and mine["attestations"][0]["valid_until"] == "2027-07-15"
    _ride_metro(client, scanner, resident)
    with clock.frozen(MORNING + timedelta(hours=1)):
        (trip,) = client.get("/api/v1/transit/trips", headers=auth(resident)).get_json()["items"]
    assert trip["concession"] == "student" and trip["fare"]["amount_fen"] == 200  # half of 4 yuan


def test_an_attestation_needs_a_verified_resident_and_a_school(client, resident, auth):
    school = helpers.institution(client, helpers.SCHOOL, "education")
    body = {"phone": resident.phone, "valid_from": "2026-09-01", "valid_until": "2027-07-15"}
    unverified = client.put("/api/v1/transit/concessions/students", json=body, headers=school)
    assert unverified.status_code == 422
    as_resident = client.put("/api/v1/transit/concessions/students", json=body, headers=auth(resident))
    assert as_resident.status_code in (401, 403)
    _verified(resident)
    too_long = {**body, "valid_until": "2028-09-01"}
    assert (
        client.put("/api/v1/transit/concessions/students", json=too_long, headers=school).status_code == 422
    )


def test_an_expired_attestation_gives_the_full_fare(client, scanner, resident, auth):
    _verified(resident)
    services.attest_student(
        Actor(kind=ActorKind.CLIENT, client_id="s", scopes=frozenset({"transit:concessions"})),
        phone=resident.phone, valid_from=date(2026, 3, 1), valid_until=date(2026, 7, 15),
    )  # fmt: skip
    _ride_metro(client, scanner, resident)
    with clock.frozen(MORNING + timedelta(hours=1)):
        (trip,) = client.get("/api/v1/transit/trips", headers=auth(resident)).get_json()["items"]
    assert trip["concession"] is None and trip["fare"]["amount_fen"] == 400


def test_a_disputed_fare_is_refunded_once_and_the_rider_told(client, scanner, resident, auth):
    with clock.frozen(MORNING):
        code = helpers.code_for(resident)
        body = {"gate": "M1-DGG-IN", "tap_id": helpers.tap_id(), "kind": "entry", "code": code}
        client.post(helpers.TAPS, json=body, headers=scanner())  # no exit tap: charged the maximum
    _settle()
    later = MORNING + timedelta(days=1, hours=2)
    with clock.frozen(later):
        (trip,) = client.get("/api/v1/transit/trips", headers=auth(resident)).get_json()["items"]
        assert trip["payment_state"] == "paid" and trip["fare"]["amount_fen"] == 1000
        body = {"kind": "missing_tap", "description": "出站闸机坏了，工作人员放行", "exit_station": "BJL"}
        raised = client.post(f"/api/v1/transit/trips/{trip['id']}/dispute", json=body, headers=auth(resident))
        assert raised.status_code == 201, raised.get_data(as_text=True)
        dispute = raised.get_json()
        assert dispute["status"] == "open" and dispute["fare"]["amount_fen"] == 1000
        twice = client.post(f"/api/v1/transit/trips/{trip['id']}/dispute", json=body, headers=auth(resident))
        assert twice.status_code == 409 and twice.get_json()["code"] == "fare-dispute-exists"

        clearing = helpers.institution(client, helpers.CLEARING, "transit_clearing")
        with Statements() as seen:
            queue = client.get("/api/v1/transit/clearing/disputes?status=open", headers=clearing).get_json()
        assert [item["id"] for item in queue["items"]] == [dispute["id"]]
        assert queue["items"][0]["trip"]["entry_station"]["name"] == "窦官"  # named from the network
        assert not [s for s in seen.seen if "transit_stations" in s or "transit_lines" in s], seen.seen
        decision = {
            "accepted": True,
            "answer": "核实出站记录缺失，按北京路站收费。",
            "refund": {"amount_fen": 600},
        }
        url = f"/api/v1/transit/clearing/disputes/{dispute['id']}/decision"
        decided = client.post(url, json=decision, headers=clearing)
        assert decided.status_code == 200, decided.get_data(as_text=True)
        assert (
            decided.get_json()["status"] == "accepted" and decided.get_json()["refund"]["amount_fen"] == 600
        )
        again = client.post(url, json=decision, headers=clearing)
        assert again.status_code == 409 and again.get_json()["code"] == "fare-dispute-decided"
        mine = client.get(f"/api/v1/transit/disputes/{dispute['id']}", headers=auth(resident)).get_json()
        log = client.get("/api/v1/me/access-log", headers=auth(resident)).get_json()
    assert mine["status"] == "accepted" and mine["answer"].startswith("核实")
    refunds = db.session.scalars(
        db.select(PaymentRefund).where(PaymentRefund.intent_id == uuid.UUID(trip["payment_id"]))
    )
    assert [r.amount_fen for r in refunds] == [600]
    told = db.session.scalars(
        db.select(OutboxMessage.template).where(OutboxMessage.recipient_id == resident.id)
    ).all()
    assert "transit_dispute_refunded" in told
    assert "transit_fare_dispute" in str(log)


def test_a_fare_is_disputable_only_once_paid_and_a_rejection_refunds_nothing(client, scanner, resident, auth):
    _ride_metro(client, scanner, resident)
    with clock.frozen(MORNING + timedelta(hours=1)):
        (trip,) = client.get("/api/v1/transit/trips", headers=auth(resident)).get_json()["items"]
        early = client.post(
            f"/api/v1/transit/trips/{trip['id']}/dispute", json={"kind": "wrong_fare"}, headers=auth(resident)
        )
    assert early.status_code == 409 and early.get_json()["code"] == "fare-not-disputable"
    _settle()
    with clock.frozen(MORNING + timedelta(days=1, hours=1)):
        dispute = client.post(
            f"/api/v1/transit/trips/{trip['id']}/dispute", json={"kind": "wrong_fare"}, headers=auth(resident)
        ).get_json()
        clearing = helpers.institution(client, helpers.CLEARING, "transit_clearing")
        url = f"/api/v1/transit/clearing/disputes/{dispute['id']}/decision"
        too_much = {"accepted": True, "answer": "x", "refund": {"amount_fen": 401}}
        assert client.post(url, json=too_much, headers=clearing).status_code == 422
        rejected = client.post(
            url, json={"accepted": False, "answer": "票价按 11 公里计算无误。"}, headers=clearing
        )
    assert rejected.get_json()["status"] == "rejected" and rejected.get_json()["refund"]["amount_fen"] == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentRefund)) == 0


def test_another_rider_cannot_dispute_or_read_a_dispute(client, scanner, resident, other_resident, auth):
    _ride_metro(client, scanner, resident)
    _settle()
    with clock.frozen(MORNING + timedelta(days=1, hours=1)):
        (trip,) = client.get("/api/v1/transit/trips", headers=auth(resident)).get_json()["items"]
        url = f"/api/v1/transit/trips/{trip['id']}/dispute"
        stranger = client.post(url, json={"kind": "not_my_trip"}, headers=auth(other_resident))
        assert stranger.status_code == 404
        dispute = client.post(url, json={"kind": "not_my_trip"}, headers=auth(resident)).get_json()
        peek = client.get(f"/api/v1/transit/disputes/{dispute['id']}", headers=auth(other_resident))
    assert peek.status_code == 404
