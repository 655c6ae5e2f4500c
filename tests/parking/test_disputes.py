"""Disputes of a stay: the driver disputes with evidence, the operator answers, refunds through the ledger."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.complaints import services as complaints
from app.core import clock
from app.core.calendar import SHANGHAI
from app.parking.models import ParkingSession
from app.payments import sandbox
from app.payments.models import PaymentIntent
from tests.parking import helpers

MORNING = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


def _dispute(client, auth, person, session_id, kind="misread_plate"):
    return client.post(
        "/api/v1/parking/disputes",
        headers=auth(person),
        json={
            "session_id": str(session_id),
            "kind": kind,
            "description": "那天我的车在外地，不是我的车",
            "evidence": ["photo:gps-track-20261201"],
        },
    )


def test_a_misread_plate_is_refunded_through_the_ledger(client, db, auth, resident, lot, operator_headers):
    helpers.bind(resident, frictionless=True)
    exited = helpers.stay(lot, "贵A12345", MORNING, 120)
    sandbox.run(clock.utcnow() + timedelta(minutes=5))
    assert db.session.get(ParkingSession, exited.session_id).status == "paid"

    raised = _dispute(client, auth, resident, exited.session_id)
    assert raised.status_code == 201, raised.get_json()
    assert _dispute(client, auth, resident, exited.session_id).status_code == 409
    dispute_id = raised.get_json()["id"]
    listed = client.get("/api/v1/operator/disputes?status=open", headers=operator_headers).get_json()["items"]
    assert [(d["id"], d["plate"]) for d in listed] == [(dispute_id, "贵A12345")]

    answered = client.post(
        f"/api/v1/operator/disputes/{dispute_id}/answer",
        headers=operator_headers,
        json={"decision": "accepted", "answer": "核对照片确系误识别，全额退款。"},
    )
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["fee_after"] == {"amount_fen": 0, "currency": "CNY"}
    assert answered.get_json()["refund_id"] is not None
    session = db.session.get(ParkingSession, exited.session_id)
    intent = db.session.get(PaymentIntent, session.payment_id)
    assert intent.refunded_fen == intent.amount_fen == 900
    assert session.status == "waived"
    again = client.post(
        f"/api/v1/operator/disputes/{dispute_id}/answer",
        headers=operator_headers,
        json={"decision": "rejected", "answer": "再次"},
    )
    assert again.status_code == 409


def test_an_unpaid_stay_gets_the_corrected_fee(client, db, auth, resident, lot, operator_headers):
    helpers.bind(resident)
    exited = helpers.stay(lot, "贵A12345", MORNING, 120)
    dispute_id = _dispute(client, auth, resident, exited.session_id, "wrong_times").get_json()["id"]
    too_much = client.post(
        f"/api/v1/operator/disputes/{dispute_id}/answer",
        headers=operator_headers,
        json={"decision": "accepted", "answer": "入场时间有误", "fee": {"amount_fen": 5_000}},
    )
    assert too_much.status_code == 422
    answered = client.post(
        f"/api/v1/operator/disputes/{dispute_id}/answer",
        headers=operator_headers,
        json={"decision": "accepted", "answer": "入场时间有误，按一小时收费。", "fee": {"amount_fen": 500}},
    )
    assert answered.status_code == 200, answered.get_json()
    stay = client.get(f"/api/v1/parking/sessions/{exited.session_id}", headers=auth(resident)).get_json()
    assert stay["status"] == "unpaid" and stay["fee"]["amount_fen"] == 500


def test_a_rejected_dispute_goes_to_12345_and_others_never_see_it(
    client, db, auth, resident, other_resident, lot, operator_headers
):
    complaints.seed_categories()
    helpers.bind(resident)
    exited = helpers.stay(lot, "贵A12345", MORNING, 120)
    dispute_id = _dispute(client, auth, resident, exited.session_id, "wrong_fee").get_json()["id"]
    early = client.post(f"/api/v1/parking/disputes/{dispute_id}/escalate", headers=auth(resident), json={})
    assert early.status_code == 409
    assert (
        client.get(f"/api/v1/parking/disputes/{dispute_id}", headers=auth(other_resident)).status_code == 404
    )
    assert _dispute(client, auth, other_resident, exited.session_id).status_code == 404
    other = helpers.make_lot("other-lot", helpers.OTHER_OPERATOR)
    assert other.code == "other-lot"
    other_headers = helpers.client_token(client, helpers.OTHER_OPERATOR)
    assert (
        client.post(
            f"/api/v1/operator/disputes/{dispute_id}/answer",
            headers=other_headers,
            json={"decision": "rejected", "answer": "x"},
        ).status_code
        == 404
    )
    client.post(
        f"/api/v1/operator/disputes/{dispute_id}/answer",
        headers=operator_headers,
        json={"decision": "rejected", "answer": "按标准收费，无误。"},
    )
    escalated = client.post(
        f"/api/v1/parking/disputes/{dispute_id}/escalate", headers=auth(resident), json={"note": "请复核"}
    )
    assert escalated.status_code == 200, escalated.get_json()
    assert escalated.get_json()["status"] == "escalated"
    assert escalated.get_json()["complaint_tracking_number"]


def test_an_unanswered_dispute_is_noted_once_after_its_deadline(app, db, auth, resident, lot):
    helpers.bind(resident)
    exited = helpers.stay(lot, "贵A12345", MORNING, 120)
    from app.parking import services

    services.raise_dispute(helpers.person_actor(resident), exited.session_id, "wrong_fee", "太贵了", [])
    assert services.note_unanswered_disputes() == 0
    with clock.frozen(MORNING + timedelta(days=10)):
        assert services.note_unanswered_disputes() == 1
        assert services.note_unanswered_disputes() == 0
