"""The lifecycle: dispatch, reassign, split, send back, accept, start, resolve, merge, rate, close."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_babel import gettext

from app.city import services as city
from app.complaints import sla
from app.complaints.models import (
    Complaint,
    ComplaintSubscription,
)
from app.complaints.services._shared import (
    ACCEPTED,
    CLOSED,
    DISPATCHED,
    IN_PROGRESS,
    MERGED,
    OPEN_STATES,
    RATING_WINDOW,
    RESOLVED,
    SATISFIED_FROM,
    SPLIT,
    SUBMITTED,
    InvalidTransition,
)
from app.complaints.services.announce import _announced, announce
from app.complaints.services.intake import Intake, _assign, _create, _event
from app.complaints.services.reading import resident_complaint, staff_complaint
from app.core.actors import Actor, Role
from app.core.audit import AuditAction
from app.core.calendar import load_calendar
from app.core.errors import StaleVersion, ValidationFailed
from app.core.geo import Point
from app.core.models import utcnow
from app.core.policy import require_role
from app.extensions import db


def _editable(actor: Actor, complaint_id: uuid.UUID, version: int, allowed: tuple[str, ...]) -> Complaint:
    complaint = staff_complaint(actor, complaint_id)
    if complaint.version != version:
        raise StaleVersion()
    if complaint.status not in allowed:
        raise InvalidTransition()
    return complaint


def _save(complaint: Complaint) -> Complaint:
    """Flush now: a concurrent change raises StaleDataError, which every front end answers with 409."""
    db.session.flush()
    return complaint


def _department(code: str):
    return city.require_department(code)


def dispatch(
    actor: Actor,
    complaint_id: uuid.UUID,
    version: int,
    department_code: str,
    assisting_codes=(),
    note: str = "",
) -> Complaint:
    """Dispatch (派单) or reassign to a lead department with assisting ones."""
    require_role(actor, Role.DISPATCHER, Role.SUPERVISOR)
    complaint = _editable(actor, complaint_id, version, OPEN_STATES)
    lead = _department(department_code)
    assisting = [_department(code) for code in assisting_codes]
    if _already_with(complaint, lead, assisting):
        return complaint  # nothing changes: no step on the timeline, nobody told again
    event = _assign(complaint, lead, assisting, actor, note=note)
    return _announced(_save(complaint), event)


def _already_with(complaint: Complaint, lead, assisting: list) -> bool:
    """The complaint is dispatched to exactly this lead department with exactly these assisting ones."""
    return (
        complaint.status != SUBMITTED
        and complaint.lead_department_id == lead.id
        and {a.department_id for a in complaint.assists} == {d.id for d in assisting if d.id != lead.id}
    )


def dispatch_to_district(actor: Actor, complaint_id: uuid.UUID, version: int, note: str = "") -> Complaint:
    """Ownership unclear: the district's default department takes it, as 12345 centres do."""
    require_role(actor, Role.DISPATCHER, Role.SUPERVISOR)
    complaint = _editable(actor, complaint_id, version, OPEN_STATES)
    office = city.district_office(complaint.district_id) if complaint.district_id else None
    if office is None:
        raise ValidationFailed({"district": [gettext("The complaint's district is unknown.")]})
    event = _assign(complaint, office, [], actor, note=note or {"kind": "district_default"})
    return _announced(_save(complaint), event)


def split(
    actor: Actor, complaint_id: uuid.UUID, version: int, parts: list[dict], note: str = ""
) -> list[Complaint]:
    """Split a complaint that asks several things into parts, each dispatched on its own (``note``: why)."""
    require_role(actor, Role.DISPATCHER, Role.SUPERVISOR)
    complaint = _editable(actor, complaint_id, version, (SUBMITTED, DISPATCHED))
    children = []
    for part in parts:
        intake = Intake(
            category_code=part["category_code"],
            description=part["description"],
            address=complaint.address,
            point=Point(complaint.lat, complaint.lng) if complaint.lat is not None else None,
            contact_allowed=complaint.contact_allowed,
            identity_visible=complaint.identity_visible,
            urgent=complaint.urgent,
        )
        child = _create(actor, intake, complaint.channel, reporter_id=complaint.reporter_id)
        child.parent_id, child.caller_phone = complaint.id, complaint.caller_phone
        event = _assign(
            child,
            _department(part["department_code"]),
            [],
            actor,
            note={"kind": "split_from", "number": complaint.tracking_number},
        )
        children.append(_announced(child, event))
    complaint.status = SPLIT
    _event(complaint, actor, "split", params={"count": len(parts)}, internal=note)
    _save(complaint)
    return children


def send_back(actor: Actor, complaint_id: uuid.UUID, version: int, reason: str) -> Complaint:
    """The department returns a complaint that is not theirs (退单), with a reason."""
    require_role(actor, Role.DEPARTMENT_HANDLER)
    complaint = _editable(actor, complaint_id, version, (DISPATCHED, ACCEPTED))
    _require_lead_handler(actor, complaint)
    department_id = complaint.lead_department_id
    complaint.status, complaint.lead_department_id, complaint.assists = SUBMITTED, None, []
    complaint.dispatched_at = complaint.accepted_at = complaint.feedback_due = None
    _event(complaint, actor, "sent_back", internal=reason, department_id=department_id)
    return _save(complaint)


def accept(actor: Actor, complaint_id: uuid.UUID, version: int) -> Complaint:
    """The lead department takes the complaint on (签收)."""
    complaint = _editable(actor, complaint_id, version, (DISPATCHED,))
    _require_lead_handler(actor, complaint)
    complaint.status, complaint.accepted_at = ACCEPTED, utcnow()
    _event(complaint, actor, "accepted")
    return _save(complaint)


def start_work(actor: Actor, complaint_id: uuid.UUID, version: int, note: str = "") -> Complaint:
    """Work has started on site."""
    complaint = _editable(actor, complaint_id, version, (ACCEPTED,))
    _require_lead_handler(actor, complaint)
    complaint.status = IN_PROGRESS
    _event(complaint, actor, "in_progress", internal=note)
    return _save(complaint)


def resolve(actor: Actor, complaint_id: uuid.UUID, version: int, reply: str) -> Complaint:
    """The department answers the resident in writing (办结); the resident is asked to rate it."""
    complaint = _editable(actor, complaint_id, version, (ACCEPTED, IN_PROGRESS))
    _require_lead_handler(actor, complaint)
    complaint.status, complaint.resolved_at, complaint.reply = RESOLVED, utcnow(), reply
    event = _event(complaint, actor, "resolved", public=reply)
    return _announced(_save(complaint), event)


def _require_lead_handler(actor: Actor, complaint: Complaint) -> None:
    require_role(actor, Role.DEPARTMENT_HANDLER, department_id=complaint.lead_department_id)


def merge(
    actor: Actor, duplicate_id: uuid.UUID, version: int, into_id: uuid.UUID, note: str = ""
) -> Complaint:
    """Merge a duplicate into the original; its reporters follow the original from now on (``note``: why)."""
    require_role(actor, Role.DISPATCHER, Role.SUPERVISOR)
    duplicate = _editable(actor, duplicate_id, version, OPEN_STATES)
    original = staff_complaint(actor, into_id)
    if (
        original.id == duplicate.id
        or original.merged_into_id is not None
        or original.status in (CLOSED, MERGED)
    ):
        raise InvalidTransition(gettext("A complaint can only be merged into another open complaint."))
    followers = db.session.scalars(
        db.select(ComplaintSubscription.person_id).where(ComplaintSubscription.complaint_id == duplicate.id)
    )
    for person_id in set(followers):
        _subscribe(original, person_id)
    duplicate.status, duplicate.merged_into_id = MERGED, original.id
    event = _event(
        duplicate,
        actor,
        "merged",
        params={"number": original.tracking_number},
        internal=note,
    )
    _event(
        original,
        actor,
        "duplicate_merged",
        params={"note": {"kind": "merged_in", "number": duplicate.tracking_number}},
    )
    _announced(_save(duplicate), event)
    return original


def _subscribe(complaint: Complaint, person_id: uuid.UUID) -> None:
    exists = db.session.scalar(
        db.select(ComplaintSubscription.id).where(
            ComplaintSubscription.complaint_id == complaint.id, ComplaintSubscription.person_id == person_id
        )
    )
    if exists is None:
        db.session.add(ComplaintSubscription(complaint_id=complaint.id, person_id=person_id))


def rate(actor: Actor, complaint_id: uuid.UUID, rating: int, comment: str = "") -> Complaint:
    """Satisfied (3-5) closes the complaint; unsatisfied (1-2) within 7 days reopens it for rework."""
    complaint = resident_complaint(actor, complaint_id, action=AuditAction.CHANGE)
    if complaint.reporter_id != actor.resident_id or complaint.status != RESOLVED:
        raise InvalidTransition(gettext("Only a resolved complaint you reported can be rated."))
    now = utcnow()
    if now - complaint.resolved_at > RATING_WINDOW:
        raise InvalidTransition(gettext("The rating period of 7 days has ended."))
    complaint.rating, complaint.rating_comment = rating, comment
    if rating >= SATISFIED_FROM:
        complaint.status, complaint.closed_at = CLOSED, now
        event = _event(complaint, actor, "rated", params={"rating": rating})
    else:
        complaint.status, complaint.reopen_count = IN_PROGRESS, complaint.reopen_count + 1
        complaint.resolved_at = None
        complaint.feedback_due = sla.feedback_due(sla.SlaClass(complaint.sla_class), now, load_calendar())
        event = _event(
            complaint,
            actor,
            "reopened",
            params={"rating": rating},
            internal=comment,
            department_id=complaint.lead_department_id,
        )
    db.session.flush()
    return _announced(complaint, event)


def close_unrated(now: datetime | None = None) -> list[Complaint]:
    """Close complaints resolved more than 7 days ago that nobody rated."""
    now = now or utcnow()
    stmt = db.select(Complaint).where(
        Complaint.status == RESOLVED, Complaint.resolved_at <= now - RATING_WINDOW
    )
    closed = list(db.session.scalars(stmt))
    for complaint in closed:
        complaint.status, complaint.closed_at = CLOSED, now
        event = _event(complaint, Actor.system(), "closed")
        db.session.flush()
        announce(complaint, event)
    return closed
