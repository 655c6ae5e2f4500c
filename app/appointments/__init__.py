"""Appointments (预约挂号, 办事预约): providers, plans, slots with seats, bookings, the waitlist, check-in."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register appointments: tables, the providers' adapters, notices, jobs, routes, cards, demo data."""
    from app.appointments import demo, jobs, models, notices, routes, sandbox, services  # noqa: F401 - they register themselves
    from app.core.actors import MandateScope
    from app.core.api import api
    from app.core.cards import register_cards

    api.register_blueprint(routes.blp, url_prefix="/api/v1")
    api.register_blueprint(routes.institution_blp, url_prefix="/api/v1")
    register_cards("appointments", services.home_cards, proxy_scope=MandateScope.APPOINTMENTS)
