"""The console's pages, one blueprint per area, each registered under the ``console`` blueprint."""

from __future__ import annotations

from flask import Blueprint


def register(console: Blueprint) -> None:
    """Nest every area's blueprint under ``console`` (its hooks, CSRF and problem pages hold for them)."""
    from app.console.pages import agent, complaint, dispatcher, handler, merchant, supervisor

    attached = {
        nested.name for nested, _options in console._blueprints
    }  # a second app (tests) finds them there
    for area in (agent, dispatcher, handler, complaint, supervisor, merchant):
        if area.bp.name not in attached:
            console.register_blueprint(area.bp)
