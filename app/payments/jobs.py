"""Payment jobs: the sandbox provider's worker, reconciliation and purges (each runs in an app context).

Periodic work (app.core.jobs): the sandbox provider every PAYMENTS_SANDBOX_TICK_SECONDS (outside
production), reconciliation every minute, purges daily; ``deliver_sandbox_callback(charge_id)`` may
also be enqueued for one charge. All are idempotent and safe to run concurrently on several workers.
"""

from __future__ import annotations

import uuid

from flask import current_app

from app.core import idempotency, jobs
from app.extensions import db
from app.payments import sandbox, services


@jobs.periodic("PAYMENTS_SANDBOX_TICK_SECONDS", name="payments.sandbox")
def run_sandbox_provider() -> sandbox.SandboxRun | None:
    """Let the sandbox's simulated payers answer and deliver its due callbacks (not in production)."""
    if not current_app.config["SANDBOX_PROVIDERS"] or current_app.config["PAYMENTS_PROVIDER"] != "sandbox":
        return None
    return sandbox.run()


def deliver_sandbox_callback(charge_id: str) -> bool | None:
    """Deliver the due callback of one sandbox charge."""
    return sandbox.deliver_callback(uuid.UUID(charge_id))


@jobs.periodic(60, name="payments.reconcile")
def reconcile_pending_payments() -> dict[str, int]:
    """Ask the provider about intents that have been pending too long, and settle them."""
    counts = services.reconcile_pending()
    db.session.commit()
    return counts


@jobs.periodic(86400, name="payments.purge")
def purge_payment_records() -> dict[str, int]:
    """Delete idempotency keys past their retention and callback event ids past the replay window."""
    counts = {
        "idempotency_keys": idempotency.purge_expired(),
        "callback_events": services.purge_callback_events(),
    }
    db.session.commit()
    return counts
