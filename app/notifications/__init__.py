"""Notifications: a transactional outbox relayed to RQ; inbox, SMS, Telegram and webhook channels."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register notifications: tables, delivery jobs, the inbox and outbox routes, commands."""
    from app.core.api import api
    from app.core.cards import register_cards
    from app.notifications import cli, gauges, jobs, models, routes, services  # noqa: F401 - tables and jobs

    api.register_blueprint(routes.blp, url_prefix="/api/v1")
    api.register_blueprint(routes.staff_blp, url_prefix="/api/v1/staff")
    gauges.register()
    cli.init_app(app)
    register_cards("notifications", services.home_cards, proxy_scope=None)
