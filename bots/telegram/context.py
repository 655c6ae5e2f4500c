"""Running service calls from the bot: off the event loop, inside an app context, in the user's language."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask_babel import force_locale

from app.core import logs
from app.core.actors import Actor
from app.core.errors import AppError
from app.core.i18n import DEFAULT_LOCALE, normalize_locale
from app.core.uow import unit_of_work
from app.extensions import db
from app.identity import services as identity

PROVIDER = "telegram"


@dataclass(frozen=True)
class Caller:
    """Who wrote to the bot: their chat, Telegram's language, and the linked resident (if any)."""

    chat_id: int
    language_code: str | None


def _locale(actor: Actor | None, caller: Caller) -> str:
    return (actor.locale if actor else None) or normalize_locale(caller.language_code) or DEFAULT_LOCALE


def _run(app: Flask, caller: Caller, func: Callable[[Actor | None], Any]) -> Any:
    # Each service call from the bot is a request of its own in the logs (and in the jobs it causes).
    with logs.bound(request_id=f"tg-{logs.new_request_id()}"), app.app_context():
        actor = identity.actor_for_linked_account(PROVIDER, caller.chat_id)
        with force_locale(_locale(actor, caller)):
            try:
                with unit_of_work():
                    return func(actor)
            except AppError as error:
                return ServiceRefusal(str(error.title), str(error.detail or error.default_detail))
            finally:
                db.session.remove()


@dataclass(frozen=True)
class ServiceRefusal:
    """A domain error, already rendered in the user's language."""

    title: str
    detail: str

    def text(self) -> str:
        """How the bot says it."""
        return f"{self.title}: {self.detail}"


async def call(app: Flask, caller: Caller, func: Callable[[Actor | None], Any]) -> Any:
    """Run ``func(actor)`` in a worker thread with an app context and the caller's locale."""
    return await asyncio.to_thread(_run, app, caller, func)
