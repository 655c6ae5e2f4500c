"""Operators' side: idempotent gate events, anomalies and their resolution, out-of-order events, occupancy."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from app.core.calendar import SHANGHAI
from app.core.errors import NotFound
from app.core.geo import wgs84_to_gcj02
from app.extensions import db as _db
from app.parking import services
from app.parking.errors import EventIdReused, NotTheOperator
from app.parking.models import GateAnomaly, GateEvent, ParkingLot, ParkingSession, SessionStatus
from app.payments.models import PaymentIntent
from tests.parking import helpers
from tests.statements import Statements

MORNING = datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)


def _sessions(lot) -> list[tuple]:
    rows = _db.session.scalars(db_sessions(lot))
    return [(s.plate, s.entered_at, s.exited_at, s.status, s.fee_fen) for s in rows]


def db_sessions(lot):
    return (
        _db.select(ParkingSession).where(ParkingSession.lot_id == lot.id).order_by(ParkingSession.entered_at)
    )


DAY = [  # event id, direction, plate, minutes after 08:00
    ("d1", "entry", "贵A10001", 0),
    ("d2", "entry", "贵A10002", 5),
    ("d3", "exit", "贵A10001", 10),  # free: within 15 minutes
    ("d4", "entry", "贵AD10003", 30),  # new energy
    ("d5", "exit", "贵A10002", 125),
    ("d6", "exit", "贵A10002", 126),  # a second camera
    ("d7", "exit", "贵A19999", 130),  # never seen entering
    ("d8", "entry", "贵A10005", 140),
    ("d9", "entry", "贵A10005", 141),  # entered twice
    ("d10", "exit", "贵AD10003", 200),
    ("d11", "exit", "贵A10005", 230),
]


def _replay_day(lot) -> list[dict]:
    answers = []
    for event_id, direction, plate, minutes in DAY:
        event = helpers.gate(lot, direction, plate, MORNING + timedelta(minutes=minutes), event_id=event_id)
        answers.append({"outcome": event.outcome, "session": event.session_id, "fee": event.fee_fen})
    return answers


def test_a_day_of_gate_events_replayed_twice_gives_the_same_stays_and_charges(db, lot, resident):
    helpers.bind(resident, "贵A10002", frictionless=True)
    first = _replay_day(lot)
    sessions, charges = (
        _sessions(lot),
        db.session.scalar(db.select(db.func.count()).select_from(PaymentIntent)),
    )
    again = _replay_day(lot)
    assert again == first
    assert _sessions(lot) == sessions
    assert db.session.scalar(db.select(db.func.count()).select_from(PaymentIntent)) == charges == 1
    assert [a["outcome"] for a in first] == [
        "entered", "entered", "exited", "entered", "exited", "duplicate_exit",
        "anomaly", "entered", "anomaly", "exited", "exited",
    ]  # fmt: skip
    fees = {plate: fee for plate, _e, _x, _s, fee in sessions}
    assert fees == {
        "贵A10001": 0,
        "贵A10002": 500 + 2 * 200,
        "贵AD10003": (500 + 4 * 200) // 2,
        "贵A10005": 500 + 200,
    }
    assert db.session.get(ParkingLot, lot.id).occupied == 0
    kinds = sorted(a.kind for a in db.session.scalars(db.select(GateAnomaly)))
    assert kinds == ["double_entry", "exit_without_entry"]


def test_an_event_id_with_other_contents_is_refused(db, lot):
    helpers.gate(lot, "entry", "贵A10001", MORNING, event_id="same")
    with pytest.raises(EventIdReused):
        helpers.gate(lot, "entry", "贵A10009", MORNING, event_id="same")


def test_an_entry_arriving_after_its_exit_completes_the_stay(db, lot):
    exited = helpers.gate(lot, "exit", "贵A10001", MORNING + timedelta(hours=2))
    assert exited.outcome == "anomaly"
    late = helpers.gate(lot, "entry", "贵A10001", MORNING)
    assert late.outcome == "matched_late"
    session = db.session.get(ParkingSession, late.session_id)
    assert session.exited_at == MORNING + timedelta(hours=2) and session.fee_fen == 500 + 2 * 200
    anomaly = db.session.get(GateAnomaly, exited.anomaly_id)
    assert anomaly.status == "resolved" and anomaly.resolution == "late_entry"
    assert db.session.get(ParkingLot, lot.id).occupied == 0


def test_the_operator_resolves_an_exit_without_entry_with_the_entry_time(client, db, lot, operator_headers):
    exited = helpers.gate(lot, "exit", "贵A10001", MORNING + timedelta(hours=1))
    with Statements() as seen:
        listed = client.get("/api/v1/operator/anomalies?status=open", headers=operator_headers).get_json()
    assert [item["id"] for item in listed["items"]] == [str(exited.anomaly_id)]
    (page,) = [statement for statement in seen.seen if "FROM parking_anomalies" in statement]
    assert page.count("JOIN parking_lots") == 1  # the lot shown is the lot filtered by
    resolved = client.post(
        f"/api/v1/operator/anomalies/{exited.anomaly_id}/resolve",
        headers=operator_headers,
        json={"resolution": "entered_at", "entered_at": MORNING.isoformat(), "note": "入口相机故障"},
    )
    assert resolved.status_code == 200, resolved.get_json()
    session = db.session.get(ParkingSession, uuid.UUID(resolved.get_json()["session_id"]))
    assert session.status == SessionStatus.UNPAID and session.fee_fen == 500
    again = client.post(
        f"/api/v1/operator/anomalies/{exited.anomaly_id}/resolve",
        headers=operator_headers,
        json={"resolution": "dismissed"},
    )
    assert again.status_code == 409


def test_one_operator_never_reaches_another_operators_lot(client, db, lot):
    helpers.make_lot("other-lot", helpers.OTHER_OPERATOR)
    exited = helpers.gate(lot, "exit", "贵A10001", MORNING)
    other = helpers.client_token(client, helpers.OTHER_OPERATOR)
    event = client.post(
        "/api/v1/operator/gate-events",
        headers=other,
        json={
            "event_id": "x", "lot_code": "test-lot", "direction": "entry", "plate": "贵A10001",
            "gate": "G1", "occurred_at": MORNING.isoformat(),
        },
    )  # fmt: skip
    assert event.status_code == 403
    assert (
        client.put(
            "/api/v1/operator/lots/test-lot/occupancy", headers=other, json={"occupied": 3}
        ).status_code
        == 403
    )
    resolve = client.post(
        f"/api/v1/operator/anomalies/{exited.anomaly_id}/resolve",
        headers=other,
        json={"resolution": "dismissed"},
    )
    assert resolve.status_code == 403
    assert client.get("/api/v1/operator/anomalies", headers=other).get_json()["items"] == []
    with pytest.raises(NotFound):
        services.report_occupancy(helpers.operator_actor(), "no-such-lot", 1)
    with pytest.raises(NotTheOperator):
        services.report_occupancy(helpers.operator_actor(helpers.OTHER_OPERATOR), "test-lot", 1)


def test_a_resident_cannot_post_gate_events(client, auth, resident, lot):
    response = client.post("/api/v1/operator/gate-events", headers=auth(resident), json={})
    assert response.status_code == 403


def test_occupancy_pushed_by_the_operator_guides_drivers(client, db, lot, operator_headers):
    full = client.put(
        "/api/v1/operator/lots/test-lot/occupancy", headers=operator_headers, json={"occupied": 100}
    )
    assert full.status_code == 200 and full.get_json()["free_spaces"] == 0
    helpers.make_lot("farther", point=(26.5600, 106.6905))
    listed = client.get("/api/v1/parking/lots?near=26.5560,106.6905&radius=2000").get_json()
    assert [item["code"] for item in listed] == ["farther", "test-lot"]  # the full one last
    too_many = client.put(
        "/api/v1/operator/lots/test-lot/occupancy", headers=operator_headers, json={"occupied": 101}
    )
    assert too_many.status_code == 422


def test_gcj02_centres_are_converted(client, db, lot):
    wgs = client.get("/api/v1/parking/lots?near=26.5560,106.6905&radius=50").get_json()
    lat, lng = wgs84_to_gcj02(26.5560, 106.6905)
    assert abs(lat - 26.5560) + abs(lng - 106.6905) > 0.001  # GCJ-02 is offset by hundreds of metres
    gcj = client.get(f"/api/v1/parking/lots?near={lat:.6f},{lng:.6f}&radius=50&coord_system=gcj02").get_json()
    assert [item["code"] for item in wgs] == [item["code"] for item in gcj] == ["test-lot"]


def test_a_pass_makes_the_stay_free(client, db, lot, operator_headers):
    issued = client.post(
        "/api/v1/operator/passes",
        headers=operator_headers,
        json={
            "lot_code": "test-lot", "plate": "贵A10001", "kind": "resident",
            "valid_from": "2026-11-01", "valid_until": "2026-12-31",
            "hours_start": "19:00", "hours_end": "08:00",
        },
    )  # fmt: skip
    assert issued.status_code == 201, issued.get_json()
    night = helpers.stay(lot, "贵A10001", datetime(2026, 11, 30, 20, 0, tzinfo=SHANGHAI), 600)
    assert night.fee_fen == 0
    day = helpers.stay(lot, "贵A10001", datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), 60)
    assert day.fee_fen == 500


def test_a_future_event_is_refused(client, lot, operator_headers):
    response = client.post(
        "/api/v1/operator/gate-events",
        headers=operator_headers,
        json={
            "event_id": "future", "lot_code": "test-lot", "direction": "entry", "plate": "贵A10001",
            "gate": "G1", "occurred_at": (MORNING + timedelta(days=2)).isoformat(),
        },
    )  # fmt: skip
    assert response.status_code == 422
    assert _db.session.scalar(_db.select(_db.func.count()).select_from(GateEvent)) == 0
