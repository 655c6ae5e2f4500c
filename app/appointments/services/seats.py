"""A freed seat: held for the first on the slot's waitlist, who is told and has until the hold ends."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.appointments import notices
from app.appointments.models import Slot, WaitlistEntry, WaitStatus
from app.appointments.services._shared import rules_of
from app.core import jobs
from app.extensions import db


def release_seat(slot: Slot, now: datetime) -> WaitlistEntry | None:
    """A seat of the (locked) slot is free: hold it for the first waiting resident, if any."""
    if slot.withdrawn or slot.starts_at <= now or slot.seats_left <= 0:
        return None
    first = db.session.scalar(
        db.select(WaitlistEntry)
        .where(WaitlistEntry.slot_id == slot.id, WaitlistEntry.status == WaitStatus.WAITING)
        .order_by(WaitlistEntry.id)
        .limit(1)
    )
    if first is None:
        return None
    hold = timedelta(minutes=rules_of(slot).hold_minutes)
    first.status = WaitStatus.OFFERED
    first.offered_at = now
    first.hold_until = min(now + hold, slot.starts_at)
    slot.held += 1
    notices.offered(first)
    jobs.enqueue_at(
        first.hold_until,
        "app.appointments.jobs.expire_offer",
        str(first.id),
        job_id=f"appointments-offer-{first.id}",
    )
    return first
