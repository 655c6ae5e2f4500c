"""The dispatcher: complaints no rule routed (and those sent back), oldest deadline first.

Each opens on the complaint page, where duplicates stand side by side on the map and the dispatcher
dispatches, merges or splits with a reason (app/console/pages/complaint.py).
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.complaints import services as complaints
from app.console.pages.complaint import CLOCK_LABELS, STATUS_LABELS, notice_text
from app.console.web import console_actor, register_nav, render_page, signed_in
from app.core.actors import Role

bp = Blueprint("dispatcher", __name__, url_prefix="/dispatch")
DISPATCHERS = (Role.DISPATCHER, Role.SUPERVISOR)
QUEUE_LIMIT = 100
register_nav("console.dispatcher.queue", _l("Dispatch queue"), DISPATCHERS)


@bp.route("/")
@signed_in(*DISPATCHERS)
def queue():
    """Complaints waiting for a dispatcher, the most pressing deadline first."""
    page = complaints.staff_queue(console_actor(), cursor=None, limit=QUEUE_LIMIT, status="submitted")
    waiting = sorted(page.items, key=lambda c: c.dispatch_due)
    return render_page(
        "console/dispatcher/queue.html",
        waiting=waiting,
        more=page.next_cursor is not None,
        status_labels=STATUS_LABELS,
        clock_labels=CLOCK_LABELS,
        notice=notice_text(),
    )
