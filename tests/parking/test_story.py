"""The parking story over HTTP: find a lot, bind a plate, drive in and out, see the charge once."""

from __future__ import annotations

from datetime import datetime

from app.core import clock
from app.core.calendar import SHANGHAI
from app.notifications.models import OutboxMessage
from app.parking.models import ParkingLot

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=SHANGHAI)
PROBLEM = "application/problem+json"


def _event(client, headers, event_id, direction, at, plate="贵A12345", lot_code="test-lot"):
    return client.post(
        "/api/v1/operator/gate-events",
        headers=headers,
        json={
            "event_id": event_id,
            "lot_code": lot_code,
            "direction": direction,
            "plate": plate,
            "gate": "G1",
            "occurred_at": at.isoformat(),
        },
    )


def _settle(app) -> None:
    result = app.test_cli_runner().invoke(args=["payments", "sandbox-settle"])
    assert result.exit_code == 0, result.output


def test_bind_a_plate_drive_in_and_out_and_be_charged_once(
    app, client, db, auth, resident, lot, operator_headers
):
    with clock.frozen(NOON):
        found = client.get("/api/v1/parking/lots?near=26.5561,106.6906&radius=1000&stay_minutes=120")
        assert found.status_code == 200, found.get_json()
        (listed,) = found.get_json()
        assert listed["code"] == "test-lot" and listed["free_spaces"] == 100
        assert listed["stay_fee"] == {"amount_fen": 500 + 2 * 200, "currency": "CNY"}

        bound = client.post(
            "/api/v1/parking/plates",
            headers=auth(resident),
            json={"number": "贵a·12345", "holder_name": "李小明", "frictionless": True},
        )
        assert bound.status_code == 201, bound.get_json()
        assert bound.get_json()["number"] == "贵A12345"
        assert bound.get_json()["holder_name"] == "李**"

        entered = _event(
            client, operator_headers, "E-1", "entry", datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
        )
        assert entered.status_code == 200, entered.get_json()
        assert entered.get_json()["outcome"] == "entered" and entered.get_json()["open_gate"] is True
        assert db.session.get(ParkingLot, lot.id).occupied == 1

        exit_at = datetime(2026, 12, 1, 11, 10, tzinfo=SHANGHAI)
        exited = _event(client, operator_headers, "X-1", "exit", exit_at)
        assert exited.status_code == 200, exited.get_json()
        body = exited.get_json()
        assert body["outcome"] == "exited" and body["open_gate"] is True and body["charged"] is True
        assert body["fee"] == {"amount_fen": 500 + 3 * 200, "currency": "CNY"}

        retried = _event(client, operator_headers, "X-1", "exit", exit_at)
        assert retried.get_json()["replayed"] is True
        assert retried.get_json()["session_id"] == body["session_id"]
        second_camera = _event(client, operator_headers, "X-1b", "exit", exit_at)
        assert second_camera.get_json()["outcome"] == "duplicate_exit"
        assert second_camera.get_json()["charged"] is False

        _settle(app)
        session = client.get(
            f"/api/v1/parking/sessions/{body['session_id']}", headers=auth(resident)
        ).get_json()
        assert session["status"] == "paid" and session["frictionless"] is True
        assert session["minutes"] == 130 and session["fee"]["amount_fen"] == 1100
        payment = client.get(f"/api/v1/payments/{session['payment_id']}", headers=auth(resident)).get_json()
        assert payment["status"] == "succeeded" and payment["amount"]["amount_fen"] == 1100

        again = client.post(
            "/api/v1/parking/payments",
            headers=auth(resident, **{"Idempotency-Key": "pay-again"}),
            json={"session_id": body["session_id"]},
        )
        assert again.status_code == 409 and again.mimetype == PROBLEM
        assert db.session.get(ParkingLot, lot.id).occupied == 0

    sent = {m.template for m in db.session.scalars(db.select(OutboxMessage)) if m.recipient_id == resident.id}
    assert {"parking_entered", "parking_exited"} <= sent


def test_without_frictionless_pay_the_stay_is_a_debt_paid_in_the_app(
    app, client, db, auth, resident, lot, operator_headers
):
    with clock.frozen(NOON):
        client.post(
            "/api/v1/parking/plates",
            headers=auth(resident),
            json={"number": "贵A12345", "holder_name": "李小明"},
        )
        _event(client, operator_headers, "E-2", "entry", datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
        exited = _event(
            client, operator_headers, "X-2", "exit", datetime(2026, 12, 1, 10, 50, tzinfo=SHANGHAI)
        )
        assert exited.get_json()["charged"] is False and exited.get_json()["open_gate"] is True
        session_id = exited.get_json()["session_id"]

        home = client.get("/api/v1/me/home", headers=auth(resident)).get_json()
        cards = [card for card in home["mine"]["cards"] if card["kind"] == "parking_unpaid"]
        assert cards and cards[0]["amount"]["amount_fen"] == 500

        unpaid = client.get("/api/v1/parking/sessions?status=unpaid", headers=auth(resident)).get_json()
        assert [item["id"] for item in unpaid["items"]] == [session_id]
        paying = client.post(
            "/api/v1/parking/payments",
            headers=auth(resident, **{"Idempotency-Key": "p-1"}),
            json={"session_id": session_id},
        )
        assert paying.status_code == 201, paying.get_json()
        replay = client.post(
            "/api/v1/parking/payments",
            headers=auth(resident, **{"Idempotency-Key": "p-1"}),
            json={"session_id": session_id},
        )
        assert replay.get_json()["id"] == paying.get_json()["id"]
        other_key = client.post(
            "/api/v1/parking/payments",
            headers=auth(resident, **{"Idempotency-Key": "p-2"}),
            json={"session_id": session_id},
        )
        assert other_key.status_code == 409
        _settle(app)
        paid = client.get(f"/api/v1/parking/sessions/{session_id}", headers=auth(resident)).get_json()
        assert paid["status"] == "paid"


def test_a_bad_plate_and_a_misread_registry_answer_are_problems(client, db, auth, resident):
    bad = client.post(
        "/api/v1/parking/plates", headers=auth(resident), json={"number": "ABC1234", "holder_name": "李"}
    )
    assert bad.status_code == 422 and bad.mimetype == PROBLEM
    refused = client.post(
        "/api/v1/parking/plates", headers=auth(resident), json={"number": "贵A12344", "holder_name": "李小明"}
    )
    assert refused.status_code == 422 and refused.get_json()["code"] == "plate-not-confirmed"
    green = client.post(
        "/api/v1/parking/plates",
        headers=auth(resident),
        json={"number": "贵AD12345", "holder_name": "李小明"},
    )
    assert green.status_code == 201 and green.get_json()["new_energy"] is True
