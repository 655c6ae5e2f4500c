"""The supervisor: overdue and escalated work, the routing rules with a dry run, the three rates as charts.

The charts are server-rendered SVG bars (``charts.bars``) with the same figures in a table beside
them: no charting library, no script, nothing the CSP has to allow (docs/console.md says why).
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from flask import Blueprint, Response, redirect, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.city import services as city
from app.complaints import services as complaints
from app.console import forms
from app.console.pages import charts
from app.console.pages.complaint import CLOCK_LABELS, STATUS_LABELS
from app.console.web import console_actor, register_nav, render_page, signed_in
from app.core.actors import Role
from app.core.calendar import business_date
from app.core.errors import AppError, ValidationFailed

bp = Blueprint("supervisor", __name__, url_prefix="/oversee")
SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)
LIST_LIMIT = 100
register_nav("console.supervisor.overdue", _l("Overdue and escalated"), SUPERVISORS)
register_nav("console.supervisor.rules", _l("Routing rules"), SUPERVISORS)
register_nav("console.supervisor.rates", _l("Three rates"), SUPERVISORS)

GROUPINGS = {"department": _l("By department"), "category": _l("By category"), "week": _l("By week")}
RATES = (
    ("on_time_rate", _l("On-time reply rate (响应及时率)")),
    ("resolution_rate", _l("Resolution rate (解决率)")),
    ("satisfaction_rate", _l("Satisfaction rate (满意率)")),
)
BREACH_LABELS = {"dispatch": _l("Dispatch deadline missed"), "feedback": _l("Reply deadline missed")}
NOTICES = {
    "saved": _l("The routing rule was saved; it applies to the next complaint."),
    "switched_off": _l("The routing rule was switched off."),
    "approved": _l("The extension was approved; the reply deadline moved."),
    "refused": _l("The extension was refused."),
}
_LIST_SPLIT = re.compile(r"[\s,，、;；]+")


def _notice() -> str | None:
    label = NOTICES.get(request.args.get("notice", ""))
    return str(label) if label else None


# --- overdue and escalated ------------------------------------------------------------------------


@bp.route("/")
@signed_in(*SUPERVISORS)
def overdue():
    """Complaints past a deadline now, the deadlines missed lately, and extensions to decide."""
    actor = console_actor()
    late = complaints.staff_queue(actor, cursor=None, limit=LIST_LIMIT, overdue=True)
    extensions = None
    if actor.has_role(Role.SUPERVISOR):  # administrators see the lists; supervisors decide
        extensions = complaints.pending_extensions(actor, cursor=None, limit=LIST_LIMIT)
    return render_page(
        "console/supervisor/overdue.html",
        late=sorted(late.items, key=lambda c: c.deadline["due_at"] if c.deadline else c.created_at),
        escalated=complaints.escalated(actor, limit=LIST_LIMIT),
        extensions=extensions.items if extensions else [],
        status_labels=STATUS_LABELS,
        clock_labels=CLOCK_LABELS,
        breach_labels=BREACH_LABELS,
        notice=_notice(),
    )


@bp.route("/extensions/<uuid:extension_id>", methods=["POST"])
@signed_in(Role.SUPERVISOR)
def decide_extension(extension_id: uuid.UUID):
    """Approve or refuse a department's request for more time."""
    approve = request.form.get("decision") == "approve"
    complaints.decide_extension(
        console_actor(), extension_id, approve, forms.text("note", required=False, max_length=500)
    )
    return redirect(url_for(".overdue", notice="approved" if approve else "refused"), code=303)


# --- the routing rules and the dry run --------------------------------------------------------------


@bp.route("/rules")
@signed_in(*SUPERVISORS)
def rules():
    """Every routing rule, and the editor for a new one (or the one picked)."""
    picked = request.args.get("rule")
    draft = _draft_of(_rule(picked)) if picked else {}
    return _rules_page(draft=draft, editing=picked)


def _rules_page(*, error: AppError | None = None, **context):
    actor = console_actor()
    page = complaints.list_rules(actor, cursor=None, limit=200)
    return render_page(
        "console/supervisor/rules.html",
        error=error,
        rules=sorted(page.items, key=lambda r: (not r.active, -r.priority, r.number)),
        departments=city.list_departments(),
        period=complaints.previous_month(business_date()),
        notice=_notice(),
        **context,
    )


def _rule(rule_id: str):
    try:
        wanted = uuid.UUID(rule_id)
    except ValueError:
        return None
    page = complaints.list_rules(console_actor(), cursor=None, limit=200)
    return next((r for r in page.items if r.id == wanted), None)


def _draft_of(record) -> dict:
    if record is None:
        return {}
    return {
        "name": record.name,
        "priority": record.priority,
        "category_prefixes": list(record.category_prefixes),
        "district_codes": list(record.district_codes),
        "street_codes": list(record.street_codes),
        "keywords": list(record.keywords),
        "department_code": record.department_code,
        "assisting_codes": list(record.assisting_codes),
    }


def _words(name: str, *, max_length: int = 40) -> list[str]:
    """A list typed as words separated by spaces, commas or 、."""
    values = [w for w in _LIST_SPLIT.split(request.form.get(name, "").strip()) if w]
    if len(values) > 50 or any(len(v) > max_length for v in values):
        raise ValidationFailed({name: [gettext("Longer than maximum length %(max)s.", max=max_length)]})
    return values


def _priority() -> int:
    value = forms.integer("priority") if request.form.get("priority", "").strip() else 0
    if not -1000 <= value <= 1000:
        raise ValidationFailed({"priority": [gettext("Must be between -1000 and 1000.")]})
    return value


def _posted_draft() -> dict:
    return {
        "name": forms.text("name", max_length=80),
        "priority": _priority(),
        "category_prefixes": _words("category_prefixes", max_length=12),
        "district_codes": _words("district_codes", max_length=12),
        "street_codes": _words("street_codes", max_length=16),
        "keywords": _words("keywords"),
        "department_code": forms.text("department_code", max_length=40),
        "assisting_codes": _words("assisting_codes"),
    }


def _period_asked() -> tuple[date, date]:
    start, end = request.form.get("start", ""), request.form.get("end", "")
    try:
        return date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise ValidationFailed({"end": [gettext("Not a valid date.")]}) from None


@bp.route("/rules/try", methods=["POST"])
@signed_in(*SUPERVISORS)
def try_rule():
    """Replay the period's complaints through the rules with this draft in place; nothing is saved."""
    editing = request.form.get("rule_id") or None
    form = request.form
    try:
        draft = _posted_draft()
        start, end = _period_asked()
        replaces = [{**draft, "id": uuid.UUID(editing)}] if editing else [draft]
        result = complaints.dry_run(console_actor(), replaces, [], start=start, end=end)
    except (AppError, ValueError) as error:
        problem = error if isinstance(error, AppError) else ValidationFailed({"rule_id": [str(error)]})
        return _rules_page(error=problem, form=form, editing=editing, draft={})
    return _rules_page(result=result, form=form, editing=editing, draft={})


@bp.route("/rules/save", methods=["POST"])
@signed_in(*SUPERVISORS)
def save_rule():
    """Save the draft as a new rule, or as the changed rule it edits."""
    editing = request.form.get("rule_id") or None
    try:
        rule_id = uuid.UUID(editing) if editing else None
        complaints.save_rule(console_actor(), _posted_draft(), rule_id)
    except AppError as error:
        return _rules_page(error=error, form=request.form, editing=editing, draft={})
    return redirect(url_for(".rules", notice="saved"), code=303)


@bp.route("/rules/<uuid:rule_id>/switch-off", methods=["POST"])
@signed_in(*SUPERVISORS)
def switch_off(rule_id: uuid.UUID):
    """Switch a rule off (complaints it routed keep the record of it)."""
    complaints.deactivate_rule(console_actor(), rule_id)
    return redirect(url_for(".rules", notice="switched_off"), code=303)


# --- the three rates ------------------------------------------------------------------------------


def _rates_query() -> tuple[date, date, str]:
    group_by = request.args.get("group_by", "department")
    if group_by not in GROUPINGS:
        group_by = "department"
    default_start, default_end = complaints.previous_month(business_date())
    try:
        start = date.fromisoformat(request.args.get("start") or default_start.isoformat())
        end = date.fromisoformat(request.args.get("end") or default_end.isoformat())
    except ValueError:
        raise ValidationFailed({"end": [gettext("Not a valid date.")]}) from None
    return start, end, group_by


@bp.route("/rates")
@signed_in(*SUPERVISORS)
def rates():
    """On-time, resolution and satisfaction rates as bars, by department, category or week."""
    start, end, group_by = _rates_query()
    context = {"start": start, "end": end, "group_by": group_by, "groupings": GROUPINGS}
    context["percent"] = charts.percent
    try:
        series = complaints.rate_series(console_actor(), start, end, group_by)
    except AppError as error:
        return render_page("console/supervisor/rates.html", error=error, series=None, charts=[], **context)
    drawn = [charts.bars(series.points, field, str(title)) for field, title in RATES]
    return render_page("console/supervisor/rates.html", series=series, charts=drawn, **context)


@bp.route("/rates.csv")
@signed_in(*SUPERVISORS)
def rates_csv():
    """The same figures as a CSV file (UTF-8 with BOM), one row per bar."""
    start, end, group_by = _rates_query()
    series = complaints.rate_series(console_actor(), start, end, group_by)
    filename = f"12345-{group_by}-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(
        complaints.rate_series_csv(series),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
