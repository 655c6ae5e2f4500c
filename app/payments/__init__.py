"""Payments: one ledger for bills, parking and commerce — intents, refunds, providers, settlement."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register payments: the ledger's tables, provider callbacks and jobs, routes, commands."""
    from app.extensions import api
    from app.payments import cli, jobs, models, routes  # noqa: F401 - tables and jobs

    api.register_blueprint(routes.blp, url_prefix="/api/v1")
    cli.init_app(app)
