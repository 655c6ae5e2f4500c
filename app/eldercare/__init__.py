"""Elder care (智慧养老): an elder who is never alone with an emergency."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register elder care: tables, notices, the ladder and check-in jobs, routes, demo data, home cards."""
    from app.core.actors import MandateScope
    from app.core.api import api
    from app.core.cards import register_cards
    from app.eldercare import demo, jobs, models, notices, routes, services  # noqa: F401 - they register themselves

    api.register_blueprint(routes.blp, url_prefix="/api/v1")
    api.register_blueprint(routes.staff_blp, url_prefix="/api/v1/staff")
    api.register_blueprint(routes.device_blp, url_prefix="/api/v1")
    api.register_blueprint(routes.provider_blp, url_prefix="/api/v1")
    register_cards("eldercare", services.home_cards, proxy_scope=MandateScope.ELDERCARE)
    services.install()
