"""The department handler: my department's open work with live deadline clocks.

New complaints to accept, accepted ones, and those in progress; each opens on the complaint page
with accept, start, reply, send back and ask for an extension (app/console/pages/complaint.py).
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.complaints import services as complaints
from app.console.pages.complaint import CLOCK_LABELS, STATUS_LABELS, notice_text
from app.console.web import console_actor, register_nav, render_page, signed_in
from app.core.actors import Role

bp = Blueprint("handler", __name__, url_prefix="/work")
HANDLERS = (Role.DEPARTMENT_HANDLER,)
SECTION_LIMIT = 50
SECTIONS = (
    ("dispatched", _l("New: to accept")),
    ("accepted", _l("Accepted")),
    ("in_progress", _l("In progress")),
)
register_nav("console.handler.work", _l("My department's work"), HANDLERS)


@bp.route("/")
@signed_in(*HANDLERS)
def work():
    """The department's open complaints by stage, the nearest deadline first."""
    actor = console_actor()
    sections = []
    for status, title in SECTIONS:
        page = complaints.staff_queue(actor, cursor=None, limit=SECTION_LIMIT, status=status)
        items = sorted(page.items, key=lambda c: (c.feedback_due is None, c.feedback_due))
        sections.append({"status": status, "title": title, "complaints": items})
    return render_page(
        "console/handler/work.html",
        sections=sections,
        status_labels=STATUS_LABELS,
        clock_labels=CLOCK_LABELS,
        notice=notice_text(),
    )
