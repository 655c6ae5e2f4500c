"""The 12345 hotline: complaints from every channel, routed, on the clock, to a rated close."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the 12345 hotline: tables, SLA jobs, resident, staff and Open311 routes, demo data."""
    from app.complaints import demo, gauges, jobs, models, open311, routes, services  # noqa: F401 - tables, jobs, demo data
    from app.core.actors import MandateScope
    from app.core.api import api
    from app.core.cards import register_cards

    api.register_blueprint(routes.blp, url_prefix="/api/v1")
    api.register_blueprint(routes.staff, url_prefix="/api/v1")
    api.register_blueprint(open311.blp, url_prefix="/open311/v2")
    gauges.register()
    register_cards("complaints", services.home_cards, proxy_scope=MandateScope.COMPLAINTS)
