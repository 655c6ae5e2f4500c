"""Provider callbacks: only a fresh, correctly signed, never-seen callback about a known charge settles it."""

from __future__ import annotations

import json
from datetime import timedelta
from unittest import mock

import pytest

from app.core.errors import ServiceUnavailable
from app.core.models import utcnow
from app.payments import sandbox
from app.payments.models import LedgerJournal, PaymentClaim, PaymentIntent, SandboxCharge
from tests.payments.helpers import TEST_DOMAIN, pay

CALLBACK = sandbox.CALLBACK_PATH


def _captured(db, intent, state="captured"):
    """The sandbox's payer has answered but its callback has not been sent yet."""
    charge = sandbox.charge_for_intent(intent.id)
    charge.state, charge.resolved_at = state, utcnow()
    db.session.commit()
    return charge


def _post(client, callback, **header_changes):
    headers = {**callback.headers, **header_changes}
    return client.post(CALLBACK, data=callback.body, headers=headers)


def _journals(db, intent):
    return db.session.scalars(db.select(LedgerJournal).where(LedgerJournal.intent_id == intent.id)).all()


def test_a_signed_callback_settles_once_and_a_replay_is_refused(client, db, resident, heard):
    intent = pay(resident, 2_000)
    callback = sandbox.signed_callback(_captured(db, intent))

    first = _post(client, callback)
    assert first.status_code == 200
    assert first.get_json() == {"result": "settled", "payment_status": "succeeded"}

    replay = _post(client, callback)
    assert replay.status_code == 409 and replay.get_json()["code"] == "callback-replayed"

    # The provider sending the news again (a new event) changes nothing.
    duplicate = _post(client, sandbox.signed_callback(sandbox.charge_for_intent(intent.id)))
    assert duplicate.get_json() == {"result": "already-settled", "payment_status": "succeeded"}
    assert len(_journals(db, intent)) == 1
    assert [o.status for o in heard.outcomes_for(intent.id)] == ["succeeded"]


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda cb: (cb.body.replace(b'"amount_fen":2000', b'"amount_fen":1'), {}), id="body"),
        pytest.param(lambda cb: (cb.body, {sandbox.SIGNATURE_HEADER: "v1=" + "0" * 64}), id="signature"),
        pytest.param(lambda cb: (cb.body, {sandbox.SIGNATURE_HEADER: ""}), id="no-signature"),
        pytest.param(lambda cb: (cb.body, {sandbox.EVENT_ID_HEADER: "evt_other"}), id="event-id"),
        pytest.param(lambda cb: (cb.body, {sandbox.TIMESTAMP_HEADER: "1"}), id="timestamp"),
        pytest.param(lambda cb: (cb.body, {sandbox.SIGNATURE_HEADER: "v1=签名"}), id="non-ascii"),
    ],
)
def test_a_tampered_callback_is_refused_and_changes_nothing(client, db, resident, heard, tamper):
    intent = pay(resident, 2_000)
    callback = sandbox.signed_callback(_captured(db, intent))
    body, headers = tamper(callback)

    response = client.post(CALLBACK, data=body, headers={**callback.headers, **headers})

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "callback-signature-invalid"
    assert db.session.get(PaymentIntent, intent.id).status == "pending"
    assert heard.outcomes_for(intent.id) == []


@pytest.mark.parametrize("age", [timedelta(minutes=6), -timedelta(minutes=6)])
def test_a_stale_or_future_callback_is_refused(client, db, resident, heard, age):
    intent = pay(resident, 2_000)
    callback = sandbox.signed_callback(_captured(db, intent), at=utcnow() - age)

    response = _post(client, callback)

    assert response.status_code == 401 and response.get_json()["code"] == "callback-stale"
    assert db.session.get(PaymentIntent, intent.id).status == "pending"


def test_a_callback_within_five_minutes_is_accepted(client, db, resident, heard):
    intent = pay(resident, 2_000)
    callback = sandbox.signed_callback(_captured(db, intent), at=utcnow() - timedelta(minutes=4))
    assert _post(client, callback).status_code == 200


def test_a_signed_callback_about_another_amount_or_intent_is_refused(client, db, resident, heard):
    intent = pay(resident, 2_000)
    charge = _captured(db, intent)
    charge.amount_fen = 1
    wrong_amount = sandbox.signed_callback(charge)
    db.session.rollback()
    assert _post(client, wrong_amount).status_code == 422

    payload = json.loads(sandbox.signed_callback(charge).body)
    payload["intent_id"] = "0195f3c0-0000-7000-8000-000000000000"
    body = json.dumps(payload).encode()
    stamp, event = str(int(utcnow().timestamp())), "evt_unknown"
    headers = {
        "Content-Type": "application/json",
        sandbox.EVENT_ID_HEADER: event,
        sandbox.TIMESTAMP_HEADER: stamp,
        sandbox.SIGNATURE_HEADER: sandbox.sign(stamp, event, body),
    }
    unknown = client.post(CALLBACK, data=body, headers=headers)
    assert unknown.status_code == 422 and unknown.get_json()["code"] == "callback-mismatch"
    assert db.session.get(PaymentIntent, intent.id).status == "pending"


def test_a_signed_but_unreadable_callback_is_a_bad_request(client):
    body = b'{"event": "charge.refunded"}'
    stamp, event = str(int(utcnow().timestamp())), "evt_odd"
    headers = {
        "Content-Type": "application/json",
        sandbox.EVENT_ID_HEADER: event,
        sandbox.TIMESTAMP_HEADER: stamp,
        sandbox.SIGNATURE_HEADER: sandbox.sign(stamp, event, body),
    }
    response = client.post(CALLBACK, data=body, headers=headers)
    assert response.status_code == 400 and response.get_json()["code"] == "callback-malformed"


def test_callbacks_of_a_provider_this_deployment_does_not_run_are_not_found(client):
    response = client.post("/api/v1/payments/callbacks/alipay", json={})
    assert response.status_code == 404


def test_a_declined_charge_fails_the_intent_and_frees_what_it_paid_for(client, db, resident, heard):
    intent = pay(resident, 2_051, refs=["order-declined"])
    response = _post(client, sandbox.signed_callback(_captured(db, intent, state="declined")))

    assert response.get_json() == {"result": "settled", "payment_status": "failed"}
    failed = db.session.get(PaymentIntent, intent.id)
    assert failed.failure_code == sandbox.DECLINE_CODE
    assert _journals(db, intent) == []
    assert db.session.get(PaymentClaim, (TEST_DOMAIN, "order-declined")) is None
    assert [o.status for o in heard.outcomes_for(intent.id)] == ["failed"]
    assert pay(resident, 2_000, refs=["order-declined"]).status == "pending"


def test_the_sandbox_retries_a_callback_the_app_could_not_take(db, resident, heard):
    intent = pay(resident, 2_000)
    with mock.patch("app.payments.services.receive_callback", side_effect=ServiceUnavailable()):
        run = sandbox.run()
    assert (run.delivered, run.undelivered) == (0, 1)
    charge = db.session.scalar(db.select(SandboxCharge).where(SandboxCharge.intent_id == intent.id))
    assert charge.callback_last_error.startswith("503")
    assert db.session.get(PaymentIntent, intent.id).status == "pending"

    assert sandbox.run().delivered == 0  # not due again yet
    retried = sandbox.run(utcnow() + timedelta(seconds=sandbox.RETRY_DELAYS[0] + 1))
    assert retried.delivered == 1
    assert db.session.get(PaymentIntent, intent.id).status == "succeeded"


def test_payment_problems_are_listed_in_the_problem_catalogue(client):
    listed = {problem["code"]: problem for problem in client.get("/problems").get_json()}
    assert listed["callback-replayed"]["status"] == 409
    assert listed["callback-signature-invalid"]["status"] == 401
    assert listed["payment-already-paid"]["title"] == "已支付"
    assert listed["idempotency-key-reused"]["status"] == 422
