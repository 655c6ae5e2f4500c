"""Deadlines (SLA): extensions, breaches recorded once, reminders and escalation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext

from app.complaints import sla
from app.complaints.models import (
    Complaint,
    DeadlineBreach,
    DeadlineExtension,
)
from app.complaints.services._shared import ACCEPTED, DISPATCHED, IN_PROGRESS, SUBMITTED, InvalidTransition
from app.complaints.services.announce import _tell_role
from app.complaints.services.intake import _event
from app.complaints.services.reading import staff_complaint
from app.complaints.services.workflow import _require_lead_handler
from app.core.actors import Actor, Role
from app.core.errors import NotFound, ValidationFailed
from app.core.models import utcnow
from app.core.pagination import Page, paginate
from app.core.policy import require_role
from app.extensions import db


def request_extension(
    actor: Actor, complaint_id: uuid.UUID, requested_due: datetime, reason: str
) -> DeadlineExtension:
    """The lead department asks for more time; a supervisor decides."""
    complaint = staff_complaint(actor, complaint_id)
    _require_lead_handler(actor, complaint)
    if complaint.status not in (DISPATCHED, ACCEPTED, IN_PROGRESS):
        raise InvalidTransition()
    if complaint.feedback_due and requested_due <= complaint.feedback_due:
        raise ValidationFailed(
            {"requested_due": [gettext("The new deadline must be later than the current one.")]}
        )
    extension = DeadlineExtension(
        complaint_id=complaint.id, requested_by_id=actor.person_id, requested_due=requested_due, reason=reason
    )
    db.session.add(extension)
    _event(
        complaint, actor, "extension_requested", internal=reason, department_id=complaint.lead_department_id
    )
    db.session.flush()
    return extension


def decide_extension(
    actor: Actor, extension_id: uuid.UUID, approve: bool, note: str = ""
) -> DeadlineExtension:
    """A supervisor approves (the feedback deadline moves) or refuses an extension."""
    require_role(actor, Role.SUPERVISOR)
    extension = db.session.get(DeadlineExtension, extension_id)
    if extension is None:
        raise NotFound()
    if extension.status != "pending":
        raise InvalidTransition(gettext("This extension was already decided."))
    complaint = db.session.get(Complaint, extension.complaint_id)
    extension.status, extension.decided_by_id = ("approved" if approve else "refused"), actor.person_id
    if approve:
        complaint.feedback_due = extension.requested_due
    _event(complaint, actor, "extension_" + extension.status, internal=note)
    db.session.flush()
    return extension


def pending_extensions(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """Extension requests waiting for a supervisor, oldest first."""
    require_role(actor, Role.SUPERVISOR)
    stmt = db.select(DeadlineExtension).where(DeadlineExtension.status == "pending")
    return paginate(stmt, DeadlineExtension.id, cursor=cursor, limit=limit, newest_first=False)


@dataclass(frozen=True)
class Breach:
    """A deadline found missed by a sweep."""

    complaint: Complaint
    kind: str
    due_at: datetime


def record_breaches(now: datetime | None = None) -> list[Breach]:
    """Record each missed dispatch or feedback deadline once (the escalation sweep)."""
    now = now or utcnow()
    missed = [
        *[(c, "dispatch", c.dispatch_due) for c in _overdue(SUBMITTED, Complaint.dispatch_due, now)],
        *[
            (c, "feedback", c.feedback_due)
            for c in _overdue((DISPATCHED, ACCEPTED, IN_PROGRESS), Complaint.feedback_due, now)
        ],
    ]
    new = []
    for complaint, kind, due in missed:
        known = db.session.scalar(
            db.select(DeadlineBreach.id).where(
                DeadlineBreach.complaint_id == complaint.id,
                DeadlineBreach.kind == kind,
                DeadlineBreach.due_at == due,
            )
        )
        if known is None:
            db.session.add(
                DeadlineBreach(
                    complaint_id=complaint.id,
                    kind=kind,
                    due_at=due,
                    department_id=complaint.lead_department_id,
                )
            )
            _event(
                complaint,
                Actor.system(),
                f"{kind}_overdue",
                params={"note": {"kind": "deadline_missed", "clock": kind, "due_at": due.isoformat()}},
            )
            new.append(Breach(complaint, kind, due))
    db.session.flush()
    return new


def _overdue(states, due_column, now: datetime) -> list[Complaint]:
    states = (states,) if isinstance(states, str) else states
    stmt = db.select(Complaint).where(
        Complaint.status.in_(states), Complaint.merged_into_id.is_(None), due_column < now
    )
    return list(db.session.scalars(stmt))


def due_soon(now: datetime | None = None) -> list[Complaint]:
    """Complaints whose feedback deadline is less than a fifth of its window away (remind handlers)."""
    now = now or utcnow()
    active = db.session.scalars(
        db.select(Complaint).where(
            Complaint.status.in_((DISPATCHED, ACCEPTED, IN_PROGRESS)), Complaint.feedback_due > now
        )
    )
    return [c for c in active if sla.reminder_at(c.dispatched_at, c.feedback_due) <= now]


def breaches_of(complaint: Complaint) -> list[DeadlineBreach]:
    """Every breach recorded on a complaint."""
    return list(
        db.session.scalars(db.select(DeadlineBreach).where(DeadlineBreach.complaint_id == complaint.id))
    )


def remind_due_soon(now: datetime | None = None) -> int:
    """Remind the lead department's handlers once per deadline when a reply is due soon."""
    count = 0
    for complaint in due_soon(now):
        params = {"reference": complaint.tracking_number, "deadline": complaint.feedback_due}
        key = f"due-soon-{complaint.id}-{int(complaint.feedback_due.timestamp())}"
        _tell_role(
            Role.DEPARTMENT_HANDLER, complaint.lead_department_id, "complaint_deadline_near", key, params
        )
        count += 1
    return count


def escalate_breaches(now: datetime | None = None) -> int:
    """Record newly missed deadlines and escalate each to the supervisors."""
    breaches = record_breaches(now)
    for breach in breaches:
        params = {"reference": breach.complaint.tracking_number, "deadline": breach.due_at}
        key = f"breach-{breach.complaint.id}-{breach.kind}-{int(breach.due_at.timestamp())}"
        _tell_role(Role.SUPERVISOR, None, "complaint_escalated", key, params)
    return len(breaches)


def escalated(actor: Actor, *, limit: int = 100) -> list[tuple[DeadlineBreach, Complaint]]:
    """The newest missed deadlines escalated to supervisors, each with its complaint (newest first)."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    newest = db.select(DeadlineBreach).order_by(DeadlineBreach.id.desc()).limit(limit)
    breaches = list(db.session.scalars(newest))
    ids = list({breach.complaint_id for breach in breaches})
    found = {c.id: c for c in db.session.scalars(db.select(Complaint).where(Complaint.id.in_(ids)))}
    return [(breach, found[breach.complaint_id]) for breach in breaches if breach.complaint_id in found]
