"""The city itself: districts, streets (街道) and the departments that serve them."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the city: its tables, its reference-data routes and its demo data."""
    from app.city import demo, models  # noqa: F401 - tables and demo data
    from app.city.routes import blp
    from app.core.api import api

    api.register_blueprint(blp, url_prefix="/api/v1")
