"""The outbox as Prometheus sees it at each scrape (``app.core.metrics``): read only."""

from __future__ import annotations

from app.core.metrics import register_sampler
from app.core.models import utcnow
from app.extensions import db
from app.notifications.models import MessageStatus, OutboxMessage


def outbox_lag():
    """Seconds the oldest due, unclaimed message has waited past its due time (0 when none)."""
    now = utcnow()
    oldest = db.session.scalar(
        db.select(db.func.min(OutboxMessage.due_at)).where(
            OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.due_at <= now
        )
    )
    yield (), max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0


def outbox_open():
    """Messages still open, by status (pending, processing), including those waiting for their time."""
    counts = dict(
        db.session.execute(
            db.select(OutboxMessage.status, db.func.count())
            .where(OutboxMessage.status.in_(MessageStatus.OPEN))
            .group_by(OutboxMessage.status)
        ).all()
    )
    for status in MessageStatus.OPEN:
        yield (status,), counts.get(status, 0)


def register() -> None:
    """Export the outbox's gauges."""
    register_sampler(
        "yimatong_outbox_lag_seconds",
        "How long the oldest due notification has waited for a worker to claim it.",
        outbox_lag,
    )
    register_sampler(
        "yimatong_outbox_open_messages",
        "Notifications not yet delivered, by status.",
        outbox_open,
        ("status",),
    )
