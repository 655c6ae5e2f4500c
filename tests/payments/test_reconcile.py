"""Intents that never hear back: reconciliation asks the provider and settles, fails or expires them."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from app.core.models import utcnow
from app.payments import services
from app.payments.models import LedgerJournal, PaymentIntent
from tests.payments.helpers import pay, run_sandbox

RECONCILE_AFTER = timedelta(seconds=300)


def _status(db, intent):
    return db.session.get(PaymentIntent, intent.id).status


def test_a_provider_timeout_stays_pending_until_reconciled(app, client, db, resident, auth, heard):
    intent = pay(resident, 10_052)  # fen part 52: the sandbox captures but never calls back
    assert intent.client_action["outcome"] == "timeout"

    run = run_sandbox()
    assert (run.captured, run.delivered) == (1, 0)
    assert _status(db, intent) == "pending"

    assert services.reconcile_pending(utcnow()) == {}  # not pending long enough to ask yet
    assert _status(db, intent) == "pending"

    counts = services.reconcile_pending(utcnow() + RECONCILE_AFTER)
    db.session.commit()

    assert counts == {"succeeded": 1}
    shown = client.get(f"/api/v1/payments/{intent.id}", headers=auth(resident)).get_json()
    assert shown["status"] == "succeeded"
    journals = db.session.scalars(db.select(LedgerJournal).where(LedgerJournal.intent_id == intent.id)).all()
    assert len(journals) == 1
    assert [o.status for o in heard.outcomes_for(intent.id)] == ["succeeded"]
    assert services.reconcile_pending(utcnow() + RECONCILE_AFTER) == {}


def test_the_reconcile_command_settles_what_the_provider_knows(app, db, resident, heard):
    intent = pay(resident, 10_052)
    run_sandbox()

    result = app.test_cli_runner().invoke(args=["payments", "reconcile", "--older-than", "0"])

    assert result.exit_code == 0, result.output
    assert "succeeded=1" in result.output
    assert _status(db, intent) == "succeeded"


def test_a_payer_who_never_pays_is_expired_after_the_deadline(app, db, resident, heard):
    intent = pay(resident, 10_053)  # fen part 53: the payer abandons
    run_sandbox()
    assert services.reconcile_pending(utcnow() + RECONCILE_AFTER) == {"pending": 1}
    assert _status(db, intent) == "pending"

    expiry = timedelta(seconds=app.config["PAYMENTS_INTENT_EXPIRY_SECONDS"])
    assert services.reconcile_pending(utcnow() + expiry) == {"expired": 1}
    expired = db.session.get(PaymentIntent, intent.id)
    assert (expired.status, expired.failure_code) == ("failed", "expired")
    assert [o.status for o in heard.outcomes_for(intent.id)] == ["failed"]
    assert run_sandbox(utcnow() + expiry).captured == 0


def test_a_declined_charge_whose_callback_was_lost_fails_on_reconcile(db, resident, heard):
    intent = pay(resident, 10_000, outcome="fail")
    with mock.patch("app.payments.sandbox._post", return_value=(0, "connection reset")):
        assert run_sandbox().undelivered == 1
    assert _status(db, intent) == "pending"

    assert services.reconcile_pending(utcnow() + RECONCILE_AFTER) == {"failed": 1}
    assert db.session.get(PaymentIntent, intent.id).failure_code == "sandbox_declined"
