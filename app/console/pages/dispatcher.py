"""The dispatcher: the unrouted queue, duplicates on a map, dispatch, merge and split."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from app.console.web import register_nav, signed_in
from app.core.actors import Role

bp = Blueprint("dispatcher", __name__, url_prefix="/dispatch")
DISPATCHERS = (Role.DISPATCHER, Role.SUPERVISOR)
register_nav("console.dispatcher.queue", _l("Dispatch queue"), DISPATCHERS)


@bp.route("/")
@signed_in(*DISPATCHERS)
def queue():
    """Complaints no rule routed, oldest deadline first."""
    return render_template("console/dispatcher/queue.html")
