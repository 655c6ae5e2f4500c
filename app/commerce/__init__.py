"""Community commerce (社区云商圈): verified merchants, listings, the nearby search, orders and reviews."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register commerce: tables, the payment purpose, the sweep, the routes, home cards, demo data."""
    from app.commerce import demo, jobs, models, notices, routes, services  # noqa: F401 - they register themselves
    from app.core.actors import MandateScope
    from app.core.api import api
    from app.core.cards import register_cards

    api.register_blueprint(routes.blp, url_prefix="/api/v1")
    api.register_blueprint(routes.merchant_blp, url_prefix="/api/v1")
    api.register_blueprint(routes.staff_blp, url_prefix="/api/v1/staff")
    services.install()
    register_cards("commerce", services.home_cards, proxy_scope=MandateScope.COMMERCE)
