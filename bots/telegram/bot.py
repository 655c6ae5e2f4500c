"""Build and run the bot: ``python -m bots.telegram`` (polling, or a webhook when configured)."""

from __future__ import annotations

from flask import Flask
from telegram.ext import Application
from telegram.request import BaseRequest

from bots.telegram import handlers


def build_application(flask_app: Flask, token: str, request: BaseRequest | None = None) -> Application:
    """The bot's Application with every handler; ``request`` replaces the HTTP layer (tests)."""
    builder = Application.builder().token(token)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    handlers.register(application, flask_app)
    return application


def main() -> None:
    """Run the bot as its own process, next to the web and worker processes."""
    from app import create_app

    flask_app = create_app()
    config = flask_app.config
    token = config.get("TELEGRAM_BOT_TOKEN")
    if not token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set")
    application = build_application(flask_app, token)
    webhook_url = config.get("TELEGRAM_WEBHOOK_URL")
    if webhook_url:
        application.run_webhook(
            listen=config.get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
            port=int(config.get("TELEGRAM_WEBHOOK_PORT", 8443)),
            url_path="telegram",
            webhook_url=webhook_url,
            secret_token=config["TELEGRAM_WEBHOOK_SECRET"],
        )
    else:
        application.run_polling()
