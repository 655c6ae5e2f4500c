"""The staff and merchant web console: server-rendered pages over the same services as the API."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the console: its session table, pages, jobs and demo client."""
    from app.console import demo, jobs, models, pages  # noqa: F401 - they register themselves
    from app.console.web import console

    pages.register(console)
    app.register_blueprint(console)
