"""12345 background work: deadline reminders and escalations, closing unrated complaints."""

from __future__ import annotations

from app.complaints import services
from app.core import jobs


@jobs.periodic(300, name="complaints.deadlines")
def watch_deadlines() -> dict[str, int]:
    """Remind handlers of replies due soon; record and escalate missed deadlines to supervisors."""
    return {"reminded": services.remind_due_soon(), "escalated": services.escalate_breaches()}


@jobs.periodic(3600, name="complaints.close_unrated")
def close_unrated() -> int:
    """Close complaints resolved 7 days ago that nobody rated."""
    return len(services.close_unrated())
