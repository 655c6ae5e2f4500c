"""Transit rides (乘车码): the city code at bus and metro gates, trips, fares and daily settlement."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register transit: tables, the fare charges' purpose, the daily settlement, routes, commands, demo."""
    from app.core.actors import MandateScope
    from app.core.api import api
    from app.core.cards import register_cards
    from app.transit import cli, demo, jobs, models, notices, routes, services  # noqa: F401 - they register themselves

    api.register_blueprint(routes.blp, url_prefix="/api/v1")
    api.register_blueprint(routes.gate_blp, url_prefix="/api/v1")
    api.register_blueprint(routes.institution_blp, url_prefix="/api/v1")
    cli.init_app(app)
    services.register()
    register_cards("transit", services.home_cards, proxy_scope=MandateScope.TRANSIT)
