"""Complaints past their deadline (SLA breaches) as Prometheus sees them at each scrape: read only."""

from __future__ import annotations

from app.complaints.models import WORKING_STATES, Complaint, ComplaintStatus
from app.core.metrics import register_sampler
from app.core.models import utcnow
from app.extensions import db


def overdue_open():
    """Open complaints past their deadline: waiting for dispatch, or worked on past the feedback date."""
    now = utcnow()
    dispatch = db.session.scalar(
        db.select(db.func.count()).where(
            Complaint.status == ComplaintStatus.SUBMITTED, Complaint.dispatch_due < now
        )
    )
    feedback = db.session.scalar(
        db.select(db.func.count()).where(Complaint.status.in_(WORKING_STATES), Complaint.feedback_due < now)
    )
    yield ("dispatch",), dispatch
    yield ("feedback",), feedback


def register() -> None:
    """Export the complaints' SLA gauge."""
    register_sampler(
        "yimatong_complaints_overdue",
        "Open complaints past their deadline (SLA breaches), by which deadline.",
        overdue_open,
        ("deadline",),
    )
