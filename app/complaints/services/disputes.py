"""Disputes that go on to 12345: the one way a rejected (or unanswered) dispute becomes a complaint."""

from __future__ import annotations

from datetime import datetime

from app.complaints.models import Complaint
from app.complaints.services.intake import Attachment, Intake, submit_complaint
from app.core.actors import Actor
from app.core.disputes import DisputeMixin, DisputeNotEscalatable
from app.core.models import utcnow
from app.extensions import db


def escalate_dispute(
    actor: Actor,
    dispute: DisputeMixin,
    *,
    category_code: str,
    attachment: Attachment,
    note: str = "",
    identity_visible: bool = True,
    now: datetime | None = None,
) -> Complaint:
    """File the resident's dispute (loaded and locked by its domain) as a complaint carrying it, once.

    The dispute must be rejected, or unanswered past its deadline (``DisputeMixin.may_escalate_at``);
    it is marked escalated with the complaint's tracking number, so it goes to 12345 once.
    """
    now = now or utcnow()
    if not dispute.may_escalate_at(now):
        raise DisputeNotEscalatable()
    complaint = submit_complaint(
        actor,
        Intake(
            category_code=category_code,
            description=dispute.complaint_text(note),
            contact_allowed=True,
            identity_visible=identity_visible,
            attachment=attachment,
        ),
    )
    dispute.mark_escalated(complaint.id, complaint.tracking_number, now)
    db.session.flush()
    return complaint
