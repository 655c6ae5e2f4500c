"""Payment states as Prometheus sees them at each scrape (``app.core.metrics``): read only."""

from __future__ import annotations

from datetime import timedelta

from app.core.metrics import register_sampler
from app.core.models import utcnow
from app.extensions import db
from app.payments.models import PaymentIntent, PaymentStatus


def intents_last_day():
    """Intents created in the last 24 hours, by status (the status index keeps this cheap)."""
    since = utcnow() - timedelta(days=1)
    counts = dict(
        db.session.execute(
            db.select(PaymentIntent.status, db.func.count())
            .where(PaymentIntent.created_at >= since)
            .group_by(PaymentIntent.status)
        ).all()
    )
    for status in PaymentStatus:
        yield (status.value,), counts.get(status, counts.get(status.value, 0))


def oldest_pending():
    """Seconds the oldest pending intent has waited for the provider (0 when none)."""
    oldest = db.session.scalar(
        db.select(db.func.min(PaymentIntent.created_at)).where(PaymentIntent.status == PaymentStatus.PENDING)
    )
    yield (), max(0.0, (utcnow() - oldest).total_seconds()) if oldest is not None else 0.0


def register() -> None:
    """Export the payments' gauges."""
    register_sampler(
        "yimatong_payment_intents_last_day",
        "Payment intents created in the last 24 hours, by status.",
        intents_last_day,
        ("status",),
    )
    register_sampler(
        "yimatong_payment_oldest_pending_seconds",
        "How long the oldest pending payment intent has waited.",
        oldest_pending,
    )
