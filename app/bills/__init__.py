"""Utility bills (生活缴费): billers, accounts, bills, payment, receipts, autopay and disputes."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register bills: tables, the payment purpose, sweeps, resident, biller and staff routes, demo data."""
    from app.bills import cli, demo, jobs, models, routes, sandbox, services  # noqa: F401 - tables, jobs, the sandbox
    from app.core.actors import MandateScope
    from app.core.api import api
    from app.core.cards import register_cards

    api.register_blueprint(routes.blp, url_prefix="/api/v1")
    api.register_blueprint(routes.biller_blp, url_prefix="/api/v1")
    api.register_blueprint(routes.staff_blp, url_prefix="/api/v1/staff")
    services.install()
    register_cards("bills", services.home_cards, proxy_scope=MandateScope.BILLS)
    cli.init_app(app)
