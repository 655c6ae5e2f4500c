"""Social insurance and housing fund (社保公积金查询): records, statements, certificates, alerts."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register social security: tables, the institutions' adapters, notices, the sweep, routes, commands."""
    from app.core.actors import MandateScope
    from app.core.api import api
    from app.core.cards import register_cards
    from app.social_security import cli, demo, jobs, models, notices, routes, sandbox, services  # noqa: F401 - they register themselves

    api.register_blueprint(routes.blp, url_prefix="/api/v1")
    api.register_blueprint(routes.institution_blp, url_prefix="/api/v1")
    api.register_blueprint(routes.staff_blp, url_prefix="/api/v1/staff")
    cli.init_app(app)
    register_cards("social_security", services.home_cards, proxy_scope=MandateScope.SOCIAL_SECURITY)
