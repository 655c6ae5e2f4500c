"""The console's pages, one blueprint per area, each registered under the ``console`` blueprint."""

from __future__ import annotations

from flask import Blueprint


def register(console: Blueprint) -> None:
    """Nest every area's blueprint under ``console`` (its hooks, CSRF and problem pages hold for them)."""
    from app.console.pages import agent, complaint, dispatcher, handler, merchant, supervisor

    for area in (agent, dispatcher, handler, complaint, supervisor, merchant):
        console.register_blueprint(area.bp)
