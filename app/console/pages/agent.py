"""The hotline agent takes a call.

Find the caller by phone (masked), see their earlier complaints, record what they report with
categories suggested from the words; once recorded, the complaint's page shows duplicates nearby.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from app.complaints import services as complaints
from app.console import forms
from app.console.pages.complaint import CLOCK_LABELS, STATUS_LABELS
from app.console.web import console_actor, register_nav, render_page, signed_in
from app.core.actors import Role
from app.core.errors import AppError, ValidationFailed
from app.core.geo import Point

bp = Blueprint("agent", __name__, url_prefix="/agent")
AGENTS = (Role.HOTLINE_AGENT, Role.SUPERVISOR)
register_nav("console.agent.take_call", _l("Take a call"), AGENTS)


def _page(*, caller=None, error: AppError | None = None, form=None):
    return render_page(
        "console/agent/take_call.html",
        error=error,
        caller=caller,
        form=form or {},
        categories=[c for c in complaints.list_categories() if c.parent_code],
        suggestions=complaints.suggest_categories((form or {}).get("description", "")),
        status_labels=STATUS_LABELS,
        clock_labels=CLOCK_LABELS,
    )


@bp.route("/")
@signed_in(*AGENTS)
def take_call():
    """The call page: find the caller first."""
    return _page()


@bp.route("/caller", methods=["POST"])
@signed_in(*AGENTS)
def find_caller():
    """Find the caller by phone: their name and earlier complaints (audited); the number stays masked.

    A POST, so the number never appears in an address or a log line.
    """
    phone = request.form.get("phone", "").strip()
    try:
        caller = complaints.find_caller(console_actor(), phone)
    except AppError as error:
        return _page(error=error, form={"phone": phone})
    return _page(caller=caller)


@bp.route("/suggestions")
@signed_in(*AGENTS)
def suggestions():
    """Categories for the words typed so far (an htmx fragment)."""
    found = complaints.suggest_categories(request.args.get("description", "")[:2000])
    return render_template("console/agent/_suggestions.html", suggestions=found)


def _point():
    lat, lng = request.form.get("lat", "").strip(), request.form.get("lng", "").strip()
    if not lat and not lng:
        return None
    try:
        return Point(float(lat), float(lng))
    except ValueError:
        raise ValidationFailed(
            {"location": [str(_l("Give both latitude and longitude as numbers."))]}
        ) from None


@bp.route("/calls", methods=["POST"])
@signed_in(*AGENTS)
def record_call():
    """Record the call as a complaint on the caller's behalf; then show it with its duplicates."""
    actor = console_actor()
    try:
        caller = complaints.find_caller(actor, forms.text("phone", max_length=20))
        intake = complaints.Intake(
            category_code=forms.text("category", max_length=12),
            description=forms.text("description", max_length=2000),
            address=forms.text("address", required=False, max_length=200),
            point=_point(),
            contact_allowed=forms.checked("contact_allowed"),
            identity_visible=forms.checked("identity_visible"),
            urgent=forms.checked("urgent"),
        )
        complaint = complaints.record_call(actor, caller.phone, intake)
    except AppError as error:
        caller = _caller_again(actor)
        return _page(caller=caller, error=error, form=request.form)
    return redirect(
        url_for("console.complaint.detail", complaint_id=complaint.id, notice="recorded"), code=303
    )


def _caller_again(actor):
    try:
        return complaints.find_caller(actor, request.form.get("phone", ""))
    except AppError:
        return None
