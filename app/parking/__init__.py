"""Smart parking (智慧停车) and traffic violations (交通违法处理): lots, plates, gates, stays, fines."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register parking: tables, payment purposes, the sweep, driver, operator and police routes, demo."""
    from app.core.actors import MandateScope
    from app.core.api import api
    from app.core.cards import register_cards
    from app.parking import cli, demo, jobs, models, notices, routes, sandbox, services  # noqa: F401 - they register

    api.register_blueprint(routes.blp, url_prefix="/api/v1")
    api.register_blueprint(routes.operator_blp, url_prefix="/api/v1")
    api.register_blueprint(routes.police_blp, url_prefix="/api/v1")
    api.register_blueprint(routes.staff_blp, url_prefix="/api/v1/staff")
    services.install()
    register_cards("parking", services.home_cards, proxy_scope=MandateScope.PARKING)
    cli.init_app(app)
