"""Notification jobs: deliver one outbox message; sweep the outbox for what was never relayed."""

import uuid

from app.core import jobs
from app.notifications import delivery, services, templates

jobs.on_worker_start(templates.warm_up)
jobs.on_worker_start(delivery.warm_up)


def deliver_message(message_id: str) -> None:
    """Deliver one outbox message on every channel that has not delivered it yet."""
    delivery.deliver(uuid.UUID(message_id))


@jobs.periodic("NOTIFY_SWEEP_SECONDS", queue=jobs.SCHEDULED, name="notifications.sweep_outbox")
def sweep_outbox() -> None:
    """Re-relay outbox messages that were committed but never queued, lost, held until now or orphaned."""
    services.sweep_outbox()
