"""Yimatong 一码通城: one identity and one city code in front of every public service."""

from __future__ import annotations

import importlib
from pathlib import Path

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

from app.core.flaskapp import CityFlask
from app.core.i18n import localize_validation_messages
from app.core.validation import load_json, refuse_unstorable_text, typed_json_values
from config import BaseConfig, ProductionConfig, config_for

localize_validation_messages()
refuse_unstorable_text()
typed_json_values()

# Every domain, in the order they build on each other (and their demo data is seeded). Adding a
# domain is adding its name here: its package's ``init_app`` registers the rest.
DOMAINS = (
    "city",
    "identity",
    "notifications",
    "payments",
    "complaints",
    "bills",
    "social_security",
    "commerce",
    "transit",
    "access",
    "parking",
    "appointments",
    "eldercare",
    "home",
    "console",
)


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider; ``request.get_json`` parses within the kernel's limits (depth, digits)."""

    def loads(self, s, **kwargs):
        """Parse a JSON document within the kernel's limits."""
        return load_json(s) if not kwargs else super().loads(s, **kwargs)


def create_app(config: type[BaseConfig] | str | None = None, **overrides) -> Flask:
    """Build the application: settings, the kernel, then each domain in ``DOMAINS``."""
    from app import core
    from app.core import jobs

    config_cls = config if isinstance(config, type) else config_for(config)
    if issubclass(config_cls, ProductionConfig):
        config_cls.check()
    app = CityFlask(__name__, instance_relative_config=True)
    app.config.from_object(config_cls)
    app.config.update(overrides)
    app.config["DOMAINS"] = DOMAINS
    app.json = BoundedJSONProvider(app)
    app.json.ensure_ascii = False  # Chinese stays readable in every JSON response
    app.json.sort_keys = False
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    core.init_app(app)
    jobs.set_app_factory(create_app)
    for name in DOMAINS:
        importlib.import_module(f"app.{name}").init_app(app)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if app.config.get("AUTO_MIGRATE"):
        from app.core.schema import migrate_embedded_database

        migrate_embedded_database(app)
    return app
