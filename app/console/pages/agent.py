"""The hotline agent: take a call, find the caller, record the complaint."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from app.console.web import register_nav, signed_in
from app.core.actors import Role

bp = Blueprint("agent", __name__, url_prefix="/agent")
AGENTS = (Role.HOTLINE_AGENT, Role.SUPERVISOR)
register_nav("console.agent.take_call", _l("Take a call"), AGENTS)


@bp.route("/")
@signed_in(*AGENTS)
def take_call():
    """Find the caller by phone and record what they report."""
    return render_template("console/agent/take_call.html")
