"""Community gates and venues: the city code opens the compound's gate and the library; visitor passes."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register access: tables, routes, demo data and the home's card of expiring passes."""
    from app.access import demo, models, routes, services  # noqa: F401 - they register themselves
    from app.core.actors import MandateScope
    from app.core.api import api
    from app.core.cards import register_cards

    api.register_blueprint(routes.blp, url_prefix="/api/v1")
    api.register_blueprint(routes.scanner_blp, url_prefix="/api/v1")
    api.register_blueprint(routes.staff_blp, url_prefix="/api/v1/staff")
    register_cards("access", services.home_cards, proxy_scope=MandateScope.ACCESS)
