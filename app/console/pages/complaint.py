"""One complaint as staff work on it: the record, its clock, its timeline and its duplicates.

Below them, the actions the viewer's roles allow: dispatch, merge and split for dispatchers; accept,
start, reply, send back and ask for an extension for the lead department's handlers.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from app.city import services as city
from app.complaints import services as complaints
from app.console import forms
from app.console.pages import citymap
from app.console.web import console_actor, render_page, signed_in
from app.core.actors import Role
from app.core.errors import AppError
from app.core.pii import mask_phone

bp = Blueprint("complaint", __name__, url_prefix="/complaints")
STAFF = (Role.HOTLINE_AGENT, Role.DISPATCHER, Role.DEPARTMENT_HANDLER, Role.SUPERVISOR, Role.ADMIN)
DISPATCHERS = (Role.DISPATCHER, Role.SUPERVISOR)
OPEN_STATES = ("submitted", "dispatched", "accepted", "in_progress")

STATUS_LABELS = {
    "submitted": _l("Waiting for dispatch"),
    "dispatched": _l("Dispatched"),
    "accepted": _l("Accepted"),
    "in_progress": _l("In progress"),
    "resolved": _l("Answered"),
    "closed": _l("Closed"),
    "merged": _l("Merged"),
    "split": _l("Split"),
}
NOTICES = {
    "recorded": _l("The call was recorded."),
    "dispatched": _l("The complaint was dispatched."),
    "merged": _l("The duplicate was merged into this complaint."),
    "split": _l("The complaint was split; each part is dispatched."),
    "accepted": _l("You took the complaint on."),
    "started": _l("Work has started."),
    "resolved": _l("The reply was sent to the resident."),
    "sent_back": _l("The complaint went back to the dispatchers."),
    "extension_requested": _l("The extension request went to the supervisors."),
}
CLOCK_LABELS = {"dispatch": _l("Dispatch deadline"), "feedback": _l("Reply deadline")}


def notice_text() -> str | None:
    """The sentence for the ``notice`` the last action redirected with."""
    label = NOTICES.get(request.args.get("notice", ""))
    return str(label) if label else None


def _context(actor, complaint_id: uuid.UUID) -> dict:
    detail = complaints.staff_detail(actor, complaint_id)  # 404 for another department; reporter audited
    reporter = detail.reporter
    shown_reporter = None
    if reporter is not None:
        shown_reporter = {"name": reporter["name"], "phone": mask_phone(reporter["phone"])}
    candidates = _candidates(actor, detail)
    return {
        "c": detail,
        "reporter": shown_reporter,
        "candidates": candidates,
        "map": citymap.draw([detail, *candidates]) if detail.lat is not None else None,
        "departments": city.list_departments() if actor.has_role(*DISPATCHERS) else [],
        "categories": complaints.list_categories() if actor.has_role(*DISPATCHERS) else [],
        "may_dispatch": actor.has_role(*DISPATCHERS) and detail.status in OPEN_STATES,
        "may_split": actor.has_role(*DISPATCHERS) and detail.status in ("submitted", "dispatched"),
        "is_lead": actor.has_role(Role.DEPARTMENT_HANDLER)
        and detail.lead_department_id in actor.department_ids,
        "status_labels": STATUS_LABELS,
        "clock_labels": CLOCK_LABELS,
        "notice": notice_text(),
    }


def _candidates(actor, detail) -> list:
    """The open duplicates the service found for it, that the viewer may see."""
    found = []
    for candidate_id in detail.duplicate_candidate_ids or []:
        try:
            candidate = complaints.staff_complaint(actor, uuid.UUID(candidate_id))
        except (AppError, ValueError):
            continue
        if candidate.status in OPEN_STATES and candidate.merged_into_id is None:
            found.append(complaints.view(candidate))
    return found


def show(complaint_id: uuid.UUID, *, error: AppError | None = None, **extra):
    """The complaint page, with a problem shown as a message when an action was refused."""
    actor = console_actor()
    context = _context(actor, complaint_id)
    context.update(extra)
    return render_page("console/complaint.html", error=error, **context)


def _done(complaint_id, notice: str):
    return redirect(url_for("console.complaint.detail", complaint_id=complaint_id, notice=notice), code=303)


@bp.route("/<uuid:complaint_id>")
@signed_in(*STAFF)
def detail(complaint_id: uuid.UUID):
    """One complaint in full, with what the viewer may do with it."""
    return show(complaint_id)


def _act(complaint_id: uuid.UUID, notice: str, action, target=None):
    """Run a service action from a form; a problem is shown on the complaint's page."""
    try:
        result = action(console_actor())
    except AppError as error:
        return show(complaint_id, error=error, form=request.form)
    return _done(target(result) if target else complaint_id, notice)


@bp.route("/<uuid:complaint_id>/dispatch", methods=["POST"])
@signed_in(*DISPATCHERS)
def dispatch(complaint_id: uuid.UUID):
    """Dispatch (or reassign) to a lead department, with a note."""
    return _act(
        complaint_id,
        "dispatched",
        lambda actor: complaints.dispatch(
            actor,
            complaint_id,
            forms.integer("version"),
            forms.text("department_code", max_length=40),
            (),
            forms.text("note", required=False, max_length=500),
        ),
    )


@bp.route("/<uuid:complaint_id>/merge", methods=["POST"])
@signed_in(*DISPATCHERS)
def merge(complaint_id: uuid.UUID):
    """Merge this complaint into one of its duplicates, with the reason."""
    return _act(
        complaint_id,
        "merged",
        lambda actor: complaints.merge(
            actor,
            complaint_id,
            forms.integer("version"),
            forms.identifier("into_id"),
            forms.text("reason", max_length=500),
        ),
        target=lambda original: original.id,
    )


@bp.route("/<uuid:complaint_id>/split", methods=["POST"])
@signed_in(*DISPATCHERS)
def split(complaint_id: uuid.UUID):
    """Split into two parts, each with its category, department and words, and the reason."""

    def run(actor):
        parts = []
        for index in (1, 2):
            parts.append(
                {
                    "description": forms.text(f"part{index}_description", max_length=2000),
                    "category_code": forms.text(f"part{index}_category", max_length=12),
                    "department_code": forms.text(f"part{index}_department", max_length=40),
                }
            )
        reason = forms.text("reason", max_length=500)
        return complaints.split(actor, complaint_id, forms.integer("version"), parts, reason)

    return _act(complaint_id, "split", run)


@bp.route("/<uuid:complaint_id>/accept", methods=["POST"])
@signed_in(Role.DEPARTMENT_HANDLER)
def accept(complaint_id: uuid.UUID):
    """The lead department takes the complaint on."""
    return _act(
        complaint_id,
        "accepted",
        lambda actor: complaints.accept(actor, complaint_id, forms.integer("version")),
    )


@bp.route("/<uuid:complaint_id>/start", methods=["POST"])
@signed_in(Role.DEPARTMENT_HANDLER)
def start(complaint_id: uuid.UUID):
    """Work has started."""
    return _act(
        complaint_id,
        "started",
        lambda actor: complaints.start_work(
            actor, complaint_id, forms.integer("version"), forms.text("note", required=False, max_length=500)
        ),
    )


@bp.route("/<uuid:complaint_id>/resolve", methods=["POST"])
@signed_in(Role.DEPARTMENT_HANDLER)
def resolve(complaint_id: uuid.UUID):
    """Answer the resident in writing."""
    return _act(
        complaint_id,
        "resolved",
        lambda actor: complaints.resolve(
            actor, complaint_id, forms.integer("version"), forms.text("reply", max_length=2000)
        ),
    )


@bp.route("/<uuid:complaint_id>/send-back", methods=["POST"])
@signed_in(Role.DEPARTMENT_HANDLER)
def send_back(complaint_id: uuid.UUID):
    """Return a complaint that is not the department's, with the reason."""
    return _act(
        complaint_id,
        "sent_back",
        lambda actor: complaints.send_back(
            actor, complaint_id, forms.integer("version"), forms.text("reason", max_length=500)
        ),
    )


@bp.route("/<uuid:complaint_id>/extension", methods=["POST"])
@signed_in(Role.DEPARTMENT_HANDLER)
def extension(complaint_id: uuid.UUID):
    """Ask the supervisors for a later reply deadline."""
    return _act(
        complaint_id,
        "extension_requested",
        lambda actor: complaints.request_extension(
            actor, complaint_id, forms.local_datetime("requested_due"), forms.text("reason", max_length=500)
        ),
    )
