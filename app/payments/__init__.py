"""Payments: one ledger for bills, parking and commerce — intents, refunds, providers, settlement."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register payments: the ledger's tables, provider callbacks and jobs, routes, commands."""
    from app.core.api import api
    from app.payments import cli, gauges, jobs, models, routes, sandbox  # noqa: F401 - tables, jobs, the sandbox

    api.register_blueprint(routes.blp, url_prefix="/api/v1")
    gauges.register()
    cli.init_app(app)
