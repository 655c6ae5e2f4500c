"""Webhook mode: only Telegram's secret gets an update in; a repeated delivery is handled once.

The webhook server is python-telegram-bot's own, on a loopback port; the Bot API is the offline one.
"""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from telegram.error import NetworkError

from bots.telegram import bot as bot_module
from bots.telegram.bot import build_application, webhook_options
from tests.bots.telegram_fake import Chat, RecordingRequest

SECRET = "s3cret-from-settings"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def webhook_settings(app, monkeypatch):
    for name, value in {
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.cn/telegram",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_WEBHOOK_PORT": _free_port(),
    }.items():
        monkeypatch.setitem(app.config, name, value)


async def _serve_and_post(app, request: RecordingRequest, posts: list[tuple[dict, str]]) -> list[int]:
    application = build_application(app, "123:TEST", request=request)
    options = webhook_options(app)
    await application.initialize()
    await application.updater.start_webhook(**options)
    await application.start()
    statuses = []
    try:
        async with httpx.AsyncClient() as http:
            for update, secret in posts:
                response = await http.post(
                    f"http://127.0.0.1:{options['port']}/telegram", json=update, headers={HEADER: secret}
                )
                statuses.append(response.status_code)
        for _ in range(100):  # accepted updates are handled from the queue
            if application.update_queue.empty():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    return statuses


def test_a_wrong_secret_is_refused_and_a_repeat_is_handled_once(app, bot, link, resident, webhook_settings):
    chat = link(Chat(8501), resident)
    request = RecordingRequest()
    menu = chat.text("/menu")
    statuses = asyncio.run(
        _serve_and_post(app, request, [(chat.text("/help"), "wrong"), (menu, SECRET), (menu, SECRET)])
    )
    assert statuses == [403, 200, 200]
    set_webhook = [params for endpoint, params in request.calls if endpoint == "setWebhook"]
    assert set_webhook and set_webhook[0]["secret_token"] == SECRET
    assert request.sent_texts() == ["您想办理什么？"]  # /help never got in; the repeated /menu answered once


class Unreachable(RecordingRequest):
    """A Bot API that cannot be reached."""

    async def do_request(self, *args, **kwargs):
        raise NetworkError("connection refused")


def test_telegram_out_of_reach_is_one_clear_line(app):
    application = build_application(app, "123:TEST", request=Unreachable())
    with pytest.raises(SystemExit, match="Telegram cannot be reached"):
        bot_module.serve(application, app)
