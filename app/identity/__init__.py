"""People, roles, sign-in, tokens and the city code."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register identity: the OIDC provider, the API's authenticator, routes, jobs, commands, demo data."""
    from app.core.api import api
    from app.core.cards import register_cards
    from app.identity import cli, demo, jobs, models, oauth, routes, services  # noqa: F401
    from app.identity.web import web

    app.register_blueprint(web)
    for blueprint in (routes.auth_blp, routes.blp, routes.citycode_blp, routes.staff_blp):
        api.register_blueprint(blueprint, url_prefix="/api/v1")
    oauth.init_app(app)
    services.install()
    register_cards("identity", services.home_cards, proxy_scope=None)
    cli.init_app(app)
