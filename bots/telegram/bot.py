"""Build and run the bot: ``python -m bots.telegram`` (polling, or a webhook when configured)."""

from __future__ import annotations

import sys

from flask import Flask
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application
from telegram.request import BaseRequest

from bots.telegram import handlers
from bots.telegram.features import FEATURES
from bots.telegram.registry import Registry


def build_application(flask_app: Flask, token: str, request: BaseRequest | None = None) -> Application:
    """The bot's Application with the features of the installed domains; ``request`` replaces HTTP (tests)."""
    builder = Application.builder().token(token).concurrent_updates(False)
    if flask_app.config.get("TELEGRAM_API_BASE_URL"):  # a Bot API proxy, when Telegram is reached through one
        builder = builder.base_url(flask_app.config["TELEGRAM_API_BASE_URL"])
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    registry = Registry.of(FEATURES, flask_app.config["DOMAINS"])
    handlers.register(application, flask_app, registry)
    return application


def settings_of(flask_app: Flask) -> tuple[str, str | None, str | None]:
    """The token, webhook URL and secret; a missing one stops the process with one line saying which."""
    config = flask_app.config
    token = config.get("TELEGRAM_BOT_TOKEN")
    if not token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and export its token.")
    webhook_url, secret = config.get("TELEGRAM_WEBHOOK_URL"), config.get("TELEGRAM_WEBHOOK_SECRET")
    if webhook_url and not secret:
        raise SystemExit("TELEGRAM_WEBHOOK_SECRET is not set: a webhook must check Telegram's secret token.")
    return token, webhook_url, secret


def webhook_options(flask_app: Flask) -> dict:
    """Where the webhook listens, the URL Telegram is given, and the secret every request must carry."""
    config = flask_app.config
    return {
        "listen": config.get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
        "port": int(config.get("TELEGRAM_WEBHOOK_PORT", 8443)),
        "url_path": "telegram",
        "webhook_url": config["TELEGRAM_WEBHOOK_URL"],
        "secret_token": config["TELEGRAM_WEBHOOK_SECRET"],
    }


def serve(application: Application, flask_app: Flask) -> None:
    """Poll, or serve the webhook; Telegram refusing the token or out of reach stops with one line."""
    try:
        if flask_app.config.get("TELEGRAM_WEBHOOK_URL"):
            application.run_webhook(**webhook_options(flask_app))
        else:
            application.run_polling()
    except InvalidToken:
        sys.exit("Telegram refused TELEGRAM_BOT_TOKEN: check the token @BotFather gave you.")
    except NetworkError as error:
        sys.exit(f"Telegram cannot be reached ({error}): check the network or proxy, then start again.")


def main() -> None:
    """Run the bot as its own process, next to the web and worker processes."""
    from app import create_app

    flask_app = create_app()
    token, _webhook_url, _secret = settings_of(flask_app)
    serve(build_application(flask_app, token), flask_app)
