"""Payment jobs: the sandbox provider's worker, reconciliation and purges (each runs in an app context).

Wiring with the job machinery: ``run_sandbox_provider`` and ``reconcile_pending_payments`` are
periodic (every few seconds and every minute), ``purge_payment_records`` daily;
``deliver_sandbox_callback(charge_id)`` may also be enqueued for one charge. All are idempotent and
safe to run concurrently on several workers.
"""

from __future__ import annotations

import uuid

from app.core import idempotency
from app.extensions import db
from app.payments import sandbox, services


def run_sandbox_provider() -> sandbox.SandboxRun:
    """Let the sandbox's simulated payers answer and deliver its due callbacks."""
    return sandbox.run()


def deliver_sandbox_callback(charge_id: str) -> bool | None:
    """Deliver the due callback of one sandbox charge."""
    return sandbox.deliver_callback(uuid.UUID(charge_id))


def reconcile_pending_payments() -> dict[str, int]:
    """Ask the provider about intents that have been pending too long, and settle them."""
    counts = services.reconcile_pending()
    db.session.commit()
    return counts


def purge_payment_records() -> dict[str, int]:
    """Delete idempotency keys past their retention and callback event ids past the replay window."""
    counts = {
        "idempotency_keys": idempotency.purge_expired(),
        "callback_events": services.purge_callback_events(),
    }
    db.session.commit()
    return counts
