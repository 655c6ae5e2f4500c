"""Who is told what at each step: residents who follow, handlers, supervisors (through the outbox)."""

from __future__ import annotations

from app.complaints import notices
from app.complaints.models import (
    Complaint,
    ComplaintEvent,
)
from app.complaints.services._shared import CLOSED, _category_name, _department_name
from app.complaints.services.reading import followers_of
from app.core.actors import Role
from app.extensions import db
from app.identity import services as identity


def _tell_followers(complaint: Complaint, template: str, key: str, **params) -> None:
    """Tell the reporter and everyone following the complaint (merged duplicates' reporters too)."""
    notices.tell(followers_of(complaint), template, key, {"reference": complaint.tracking_number, **params})


def _tell_role(role: str, department_id, template: str, key: str, params: dict) -> None:
    notices.tell(identity.people_with_role(role, department_id), template, key, params)


def _announced(complaint: Complaint, event: ComplaintEvent) -> Complaint:
    announce(complaint, event)
    return complaint


def announce(complaint: Complaint, event: ComplaintEvent) -> None:
    """After a step: tell the residents following it and, for new work, the department's handlers."""
    key = f"{event.kind}-{event.id}"
    if event.kind == "submitted":
        _tell_followers(complaint, "complaint_received", key)
    elif event.kind == "dispatched":
        department = _department_name(complaint.lead_department_id)
        _tell_followers(complaint, "complaint_dispatched", key, department=department)
        params = {
            "reference": complaint.tracking_number,
            "category": _category_name(complaint),
            "deadline": complaint.feedback_due,
        }
        _tell_role(Role.DEPARTMENT_HANDLER, complaint.lead_department_id, "complaint_new_work", key, params)
    elif event.kind == "resolved":
        _tell_followers(complaint, "complaint_resolved", key)
    elif event.kind == "reopened":
        _tell_followers(complaint, "complaint_reopened", key, deadline=complaint.feedback_due)
        params = {
            "reference": complaint.tracking_number,
            "category": _category_name(complaint),
            "deadline": complaint.feedback_due,
        }
        _tell_role(Role.DEPARTMENT_HANDLER, complaint.lead_department_id, "complaint_new_work", key, params)
    elif event.kind in ("closed", "rated") and complaint.status == CLOSED:
        _tell_followers(complaint, "complaint_closed", key)
    elif event.kind == "merged":
        original = db.session.get(Complaint, complaint.merged_into_id)
        _tell_followers(complaint, "complaint_merged", key, original=original.tracking_number)
