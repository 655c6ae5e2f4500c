"""The shared kernel: errors, actors and policies, audit, PII, money, geo, calendar, pagination.

The kernel knows no domain: each domain package registers itself with its own ``init_app``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask


def init_app(app: Flask) -> None:
    """Bind the extensions and the kernel's hooks, routes and commands to ``app``."""
    from app.core import api as core_api
    from app.core import (  # noqa: F401 - kernel tables
        audit,
        calendar,
        cli,
        errors,
        i18n,
        idempotency,
        jobs,
        models,
        observability,
        pii,
        replicas,
        sms,
        uow,
    )
    from app.core.api import api
    from app.core.routes import blp, web
    from app.extensions import babel, db, limiter, migrate, ping_when_idle

    observability.init_app(app)  # first: its request hooks bind the request id before anything logs
    pii.configure(app.config["PII_ENCRYPTION_KEY"], app.config["PII_HASH_KEY"], app.config["SECRET_KEY"])
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = i18n.catalog_directories(Path(app.config["LOCALES_DIR"]))
    i18n.compile_catalogs(Path(app.config["LOCALES_DIR"]))
    db.init_app(app)
    with app.app_context():
        ping_when_idle(db.engine, int(app.config.get("DATABASE_PING_IDLE_SECONDS", 10)))
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_request_domain(babel, app)
    limiter.init_app(app)
    api.init_app(app, spec_kwargs=_spec_kwargs())
    errors.register_error_handlers(app)
    uow.init_app(app)  # first registered, so it runs last: the request commits once, at its end
    app.before_request(core_api.refuse_oversized_streamed_body)
    app.before_request(core_api.require_json_body)
    app.before_request(core_api.authenticate_request)
    replicas.init_app(app)  # after authentication: a marked read's route depends on who is asking
    app.after_request(core_api.audit_proxy_request)
    app.after_request(i18n.add_content_language)
    app.after_request(core_api.add_security_headers)
    app.register_blueprint(web)
    api.register_blueprint(blp)
    cli.init_app(app)


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
