"""The department handler: my department's work on the clock; accept, send back, reply, extend."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from app.console.web import register_nav, signed_in
from app.core.actors import Role

bp = Blueprint("handler", __name__, url_prefix="/work")
HANDLERS = (Role.DEPARTMENT_HANDLER,)
register_nav("console.handler.work", _l("My department's work"), HANDLERS)


@bp.route("/")
@signed_in(*HANDLERS)
def work():
    """The department's open complaints with their deadline clocks."""
    return render_template("console/handler/work.html")
