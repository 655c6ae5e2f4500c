"""The console's pages, one blueprint per area, each registered under the ``console`` blueprint."""

from __future__ import annotations

from flask import Blueprint

_nested: set[str] = set()


def register(console: Blueprint) -> None:
    """Nest every area's blueprint under ``console`` (its hooks, CSRF and problem pages hold for them).

    Once per process: the blueprints are module-level, and a second app (tests build several)
    registers ``console`` with its areas already nested.
    """
    from app.console.pages import agent, complaint, dispatcher, handler

    for area in (agent, dispatcher, handler, complaint):
        if area.bp.name not in _nested:
            console.register_blueprint(area.bp)
            _nested.add(area.bp.name)
