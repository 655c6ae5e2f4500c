"""Who sees which complaint: residents their own and those they follow, staff their work lists."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_babel import gettext, ngettext
from sqlalchemy import bindparam, case, or_
from sqlalchemy.orm import joinedload, selectinload

from app.city import services as city
from app.complaints.models import (
    OPEN_STATES,
    Complaint,
    ComplaintAssist,
    ComplaintStatus,
    ComplaintSubscription,
)
from app.complaints.services._shared import (
    ACCEPTED,
    DISPATCHED,
    IN_PROGRESS,
    MANDATE_SCOPE,
    RATING_WINDOW,
    STAFF_READERS,
    SUBMITTED,
)
from app.core import access, audit
from app.core.actors import Actor, ActorKind, Role
from app.core.audit import AuditAction
from app.core.cards import Card, Urgency, folded
from app.core.errors import NotFound
from app.core.models import UTCDateTime, utcnow
from app.core.pagination import Page, paginate, paginate_any
from app.core.policy import require_role
from app.core.views import WithFacts, with_facts
from app.extensions import db
from app.identity import services as identity


def my_complaints(actor: Actor, *, cursor: str | None, limit: int, status: str | None = None) -> Page:
    """The complaints the resident reported or follows (merged duplicates included)."""
    person_id = access.list_owner(actor, MANDATE_SCOPE, "complaint")
    stmt = (
        db.select(Complaint)
        .join(ComplaintSubscription, ComplaintSubscription.complaint_id == Complaint.id)
        .where(ComplaintSubscription.person_id == person_id)  # the reporter is subscribed at intake
        .options(*LIST_LOADING)
    )
    if status:
        stmt = stmt.where(Complaint.status == status)
    return page_of_views(paginate(stmt, Complaint.id, cursor=cursor, limit=limit))


def resident_complaint(
    actor: Actor, complaint_id: uuid.UUID, *, action: AuditAction = AuditAction.READ
) -> Complaint:
    """One complaint the resident reported or follows; anyone else's does not exist (404)."""
    return access.load_private(
        actor, Complaint, complaint_id, scope=MANDATE_SCOPE, owner=followers_of, action=action
    )


def resident_complaint_by_number(actor: Actor, tracking_number: str) -> Complaint:
    """One of the resident's complaints by its tracking number (what the hotline reads out)."""
    complaint = db.session.scalar(
        db.select(Complaint).where(Complaint.tracking_number == tracking_number.strip())
    )
    if complaint is None:
        raise NotFound()
    return access.authorize_private(actor, complaint, scope=MANDATE_SCOPE, owner=followers_of)


def staff_complaint(actor: Actor, complaint_id: uuid.UUID) -> Complaint:
    """One complaint as staff see it: the hotline sees all, a department its own (404 otherwise)."""
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or not can_staff_see(actor, complaint):
        raise NotFound()
    return complaint


def can_staff_see(actor: Actor, complaint: Complaint) -> bool:
    """The hotline and supervisors see every complaint; handlers those of their department."""
    if actor.kind is not ActorKind.PERSON:
        return False
    if actor.has_role(*STAFF_READERS):
        return True
    if actor.has_role(Role.DEPARTMENT_HANDLER):
        departments = {complaint.lead_department_id, *(a.department_id for a in complaint.assists)}
        return bool(actor.department_ids & departments)
    return False


def may_see_reporter(actor: Actor, complaint: Complaint) -> bool:
    """Hotline staff always; a department only when the resident allowed it."""
    return actor.has_role(*STAFF_READERS) or complaint.identity_visible


def reporter_contact(actor: Actor, complaint: Complaint) -> dict | None:
    """The reporter's name and phone for staff allowed to see them; the read is audited."""
    if not may_see_reporter(actor, complaint):
        return None
    reporter = identity.get_person(complaint.reporter_id) if complaint.reporter_id else None
    phone = complaint.caller_phone or (reporter.phone if reporter else None)
    if reporter is not None:
        audit.record(actor, reporter.id, AuditAction.READ, "complaint.reporter", complaint.tracking_number)
    return {
        "name": reporter.display_name if reporter else None,
        "phone": phone if complaint.contact_allowed else None,
    }


def staff_queue(
    actor: Actor,
    *,
    cursor: str | None,
    limit: int,
    status: str | None = None,
    department_id: uuid.UUID | None = None,
    overdue: bool = False,
) -> Page:
    """Work lists: the dispatcher queue (status=submitted), a department's work, overdue items."""
    require_role(actor, *STAFF_READERS, Role.DEPARTMENT_HANDLER)
    shown = [Complaint.merged_into_id.is_(None)]
    if status:
        shown.append(Complaint.status == status)
    if department_id:
        shown.append(Complaint.lead_department_id == department_id)
    if overdue:
        now = utcnow()
        shown.append(
            or_(
                (Complaint.status == SUBMITTED) & (Complaint.dispatch_due < now),
                (Complaint.status.in_((DISPATCHED, ACCEPTED, IN_PROGRESS))) & (Complaint.feedback_due < now),
            )
        )
    stmt = db.select(Complaint).where(*shown).options(*LIST_LOADING)
    if actor.has_role(*STAFF_READERS):
        return page_of_views(paginate(stmt, Complaint.id, cursor=cursor, limit=limit))
    mine = list(actor.department_ids)  # a handler: what my departments lead, and what they assist on
    led = db.select(Complaint.id).where(Complaint.lead_department_id.in_(mine), *shown)
    assisted = (
        db.select(ComplaintAssist.complaint_id)
        .join(Complaint, Complaint.id == ComplaintAssist.complaint_id)
        .where(ComplaintAssist.department_id.in_(mine), *shown)
    )
    return page_of_views(paginate_any(stmt, Complaint.id, [led, assisted], cursor=cursor, limit=limit))


def followers_of(complaint: Complaint) -> list[uuid.UUID]:
    """Everyone told about the complaint's progress: its reporter and merged reporters."""
    return list(
        db.session.scalars(
            db.select(ComplaintSubscription.person_id).where(
                ComplaintSubscription.complaint_id == complaint.id
            )
        )
    )


# --- what responses show: a complaint with its department's name, in a constant number of queries -----

LIST_LOADING = (
    selectinload(Complaint.events),
    selectinload(Complaint.photos),
    selectinload(Complaint.assists),
    joinedload(Complaint.category),
)


def view(complaint: Complaint, **facts) -> WithFacts:
    """The complaint as responses show it: its lead department's name in the reader's language."""
    return views([complaint], **facts)[0]


def views(complaints: list[Complaint], **facts) -> list[WithFacts]:
    """Several complaints as responses show them, their departments' names read in one query."""
    names = city.department_names({c.lead_department_id for c in complaints if c.lead_department_id})
    return [with_facts(c, department=names.get(c.lead_department_id), **facts) for c in complaints]


def page_of_views(page: Page) -> Page:
    """A page of complaints, each as responses show it."""
    return Page(items=views(page.items), next_cursor=page.next_cursor, limit=page.limit)


def staff_detail(actor: Actor, complaint_id: uuid.UUID) -> WithFacts:
    """One complaint in full for staff; the reporter only where the viewer may see them (audited)."""
    complaint = staff_complaint(actor, complaint_id)
    return view(complaint, reporter=reporter_contact(actor, complaint))


def _home_statement():
    deadline = db.func.coalesce(Complaint.feedback_due, Complaint.dispatch_due)
    resolved = Complaint.status == ComplaintStatus.RESOLVED
    late = Complaint.status.in_(OPEN_STATES) & (deadline < bindparam("now", type_=UTCDateTime))
    return (
        db.select(
            db.func.count(case((resolved, 1))),
            db.func.min(case((resolved, Complaint.resolved_at))),
            db.func.count(case((late, 1))),
            db.func.min(case((late, deadline))),
        )
        .select_from(Complaint)
        .join(ComplaintSubscription, ComplaintSubscription.complaint_id == Complaint.id)
        .where(
            ComplaintSubscription.person_id == bindparam("person_id"),
            Complaint.reporter_id == bindparam("person_id"),
            resolved | late,
        )
    )


# Built once: the home runs it on every visit (see docs/adding-a-domain.md, "hot statements").
_HOME_COMPLAINTS = _home_statement()


@folded(_HOME_COMPLAINTS)
def home_cards(row: tuple, person_id: uuid.UUID, now: datetime) -> list[Card]:
    """Replies waiting for the person's rating, and their reports past the deadline (one query)."""
    to_rate, first_resolved, overdue, first_due = row
    cards = []
    if overdue:
        cards.append(
            Card(
                "complaints",
                "complaints_overdue",
                Urgency.SOON,
                ngettext("%(num)d report past its deadline", "%(num)d reports past their deadline", overdue),
                gettext("The 12345 hotline is following it up with the department."),
                count=overdue,
                due_at=first_due,
                target="/api/v1/complaints",
            )
        )
    if to_rate:
        cards.append(
            Card(
                "complaints",
                "complaints_to_rate",
                Urgency.TODAY,
                ngettext("%(num)d reply to rate", "%(num)d replies to rate", to_rate),
                gettext("12345 answered your report. Tell them if it was solved."),
                count=to_rate,
                due_at=first_resolved + RATING_WINDOW if first_resolved else None,
                target="/api/v1/complaints?status=resolved",
            )
        )
    return cards
