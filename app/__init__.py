"""Yimatong 一码通城: one identity and one city code in front of every public service."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

from app.core.i18n import localize_validation_messages
from app.core.validation import load_json, refuse_unstorable_text
from config import BaseConfig, ProductionConfig, config_for

localize_validation_messages()
refuse_unstorable_text()


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider; ``request.get_json`` parses within the kernel's limits (depth, digits)."""

    def loads(self, s, **kwargs):
        """Parse a JSON document within the kernel's limits."""
        return load_json(s) if not kwargs else super().loads(s, **kwargs)


def create_app(config: type[BaseConfig] | str | None = None, **overrides) -> Flask:
    """Build the application: settings, extensions, error handlers, blueprints and commands."""
    config_cls = config if isinstance(config, type) else config_for(config)
    if issubclass(config_cls, ProductionConfig):
        config_cls.check()
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_cls)
    app.config.update(overrides)
    app.json = BoundedJSONProvider(app)
    app.json.ensure_ascii = False  # Chinese stays readable in every JSON response
    app.json.sort_keys = False
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _init_kernel(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_commands(app)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def _init_kernel(app: Flask) -> None:
    from app.core import i18n, pii

    pii.configure(app.config["PII_ENCRYPTION_KEY"], app.config["PII_HASH_KEY"], app.config["SECRET_KEY"])
    i18n.compile_catalogs(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))


def _init_extensions(app: Flask) -> None:
    from app import jobs, models  # noqa: F401 - every table and every periodic job is known
    from app.core import api as core_api
    from app.core import errors, i18n
    from app.extensions import api, babel, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    api.init_app(app, spec_kwargs=_spec_kwargs())
    errors.register_error_handlers(app)
    app.before_request(core_api.require_json_body)
    app.before_request(core_api.authenticate_request)
    app.after_request(core_api.audit_proxy_request)
    app.after_request(i18n.add_content_language)
    app.after_request(core_api.add_security_headers)


def _spec_kwargs() -> dict:
    from app.core.api import ProxyHeaderPlugin

    return {
        "extra_plugins": [ProxyHeaderPlugin()],
        "info": {
            "description": (
                "One resident identity and one dynamic city code in front of every public service. "
                "Errors are RFC 9457 problem documents (application/problem+json) in the caller's "
                "language (zh-Hans by default; zh-Hant and en by Accept-Language or preference).\n\n"
                "Tokens come from the OpenID Connect provider (/.well-known/openid-configuration): "
                "residents through the apps (authorization code + PKCE), institutions by client "
                "credentials. A person holding a mandate (帮办代办) acts for its grantor by sending "
                "the header X-On-Behalf-Of: <grantor's person id> with their own token, on the "
                "operations that list it; every such request appears in the grantor's access log."
            )
        },
        "components": {
            "parameters": {ProxyHeaderPlugin.COMPONENT: ProxyHeaderPlugin.PARAMETER},
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
    }


def _register_blueprints(app: Flask) -> None:
    from app.bills.routes import biller_blp as bills_biller_blp
    from app.bills.routes import blp as bills_blp
    from app.bills.routes import staff_blp as bills_staff_blp
    from app.city.routes import blp as city_blp
    from app.complaints.open311 import blp as open311_blp
    from app.complaints.routes import blp as complaints_blp
    from app.complaints.routes import staff as complaints_staff_blp
    from app.core.routes import blp as core_blp
    from app.core.routes import web as core_web
    from app.extensions import api
    from app.identity import routes as identity_routes
    from app.identity.web import web as oidc_web
    from app.notifications.routes import blp as notifications_blp
    from app.notifications.routes import staff_blp as notifications_staff_blp
    from app.payments.routes import blp as payments_blp

    app.register_blueprint(core_web)
    app.register_blueprint(oidc_web)
    api.register_blueprint(core_blp)
    for blueprint in (
        identity_routes.auth_blp,
        identity_routes.blp,
        identity_routes.citycode_blp,
        identity_routes.staff_blp,
    ):
        api.register_blueprint(blueprint, url_prefix="/api/v1")
    api.register_blueprint(city_blp, url_prefix="/api/v1")
    api.register_blueprint(complaints_blp, url_prefix="/api/v1")
    api.register_blueprint(complaints_staff_blp, url_prefix="/api/v1")
    api.register_blueprint(open311_blp, url_prefix="/open311/v2")
    api.register_blueprint(payments_blp, url_prefix="/api/v1")
    api.register_blueprint(bills_blp, url_prefix="/api/v1")
    api.register_blueprint(bills_biller_blp, url_prefix="/api/v1")
    api.register_blueprint(bills_staff_blp, url_prefix="/api/v1/staff")
    api.register_blueprint(notifications_blp, url_prefix="/api/v1")
    api.register_blueprint(notifications_staff_blp, url_prefix="/api/v1/staff")

    from app.bills import services as bills_services
    from app.identity import oauth
    from app.identity import services as identity_services

    oauth.init_app(app)
    identity_services.install_authenticator()
    bills_services.install()


def _register_commands(app: Flask) -> None:
    from app.cli import register_cli

    register_cli(app)
