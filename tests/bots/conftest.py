"""The bot on an offline Bot API, driven by Telegram updates; helpers to link a chat."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Update

from bots.telegram import context as bot_context
from bots.telegram.bot import build_application
from tests.bots.telegram_fake import RecordingRequest


class OfflineBot:
    """One bot process: an Application on a recording request; ``restart()`` starts a fresh one."""

    def __init__(self, app):
        self.flask_app = app
        self.request = RecordingRequest()
        self.restart()

    def restart(self) -> None:
        """A new bot process (nothing kept in memory), on the same offline Bot API."""
        self.application = build_application(self.flask_app, "123:TEST", request=self.request)
        asyncio.run(self.application.initialize())

    def __call__(self, update: dict) -> None:
        asyncio.run(self.application.process_update(Update.de_json(update, self.application.bot)))


@pytest.fixture
def bot(app, db, monkeypatch):
    """The bot; its service calls run inline (the test owns the database connection)."""

    async def inline(func, *args):
        return func(*args)

    monkeypatch.setattr(bot_context.asyncio, "to_thread", inline)
    return OfflineBot(app)


@pytest.fixture
def link(bot, client, auth):
    """Link a chat to a person with a code from the app, as the person would."""

    def linked(chat, person):
        response = client.post("/api/v1/me/links/telegram", headers=auth(person))
        assert response.status_code in (200, 201), response.get_json()
        bot(chat.text("/start " + response.get_json()["code"]))
        return chat

    return linked
