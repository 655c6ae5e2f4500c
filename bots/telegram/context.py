"""One update's turn: an app context, the linked resident as an actor, the chat's kept state, a locale.

Every update runs as one unit of work in a worker thread (off the event loop): the chat's link is
read, a repeated delivery of the same update is dropped, the handler calls services as the linked
resident (or, when the chat acts for an elder, as their proxy under the mandate), and the chat's
conversation is kept for its next update. A service's refusal becomes a message in the person's
language, and nothing of the failed turn is kept.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask_babel import force_locale, gettext

from app.core import logs
from app.core.actors import Actor
from app.core.errors import AppError
from app.core.i18n import DEFAULT_LOCALE, normalize_locale
from app.core.uow import unit_of_work
from app.extensions import db
from app.identity import services as identity
from bots.telegram.replies import Reply

PROVIDER = "telegram"


@dataclass(frozen=True)
class Caller:
    """Who wrote to the bot: their chat, Telegram's language for them, and which update this is."""

    chat_id: int
    language_code: str | None
    update_id: int | None = None


class NotLinked(Exception):
    """The chat is not linked to an account: nothing may be done for anyone."""


@dataclass
class Turn:
    """What a handler works with: who acts, in which language, and the chat's conversation."""

    chat_id: int
    locale: str
    linked: identity.LinkedChat | None = None
    actor: Actor | None = None
    acting_name: str | None = None
    acting_for_id: uuid.UUID | None = None
    conversation: dict = field(default_factory=dict)
    registry: Any = None  # the installed features (bots.telegram.registry.Registry)

    @property
    def resident(self) -> Actor:
        """Who acts in this chat: the linked person, or their proxy for the elder they act for."""
        if self.actor is None:
            raise NotLinked()
        return self.actor

    @property
    def person(self) -> Actor:
        """The linked person themself (their language, inbox and preferences are no mandate's)."""
        if self.linked is None:
            raise NotLinked()
        return self.linked.actor

    @property
    def flow(self) -> str | None:
        """The conversation the chat is in (``complaint``, ...), if any."""
        return self.conversation.get("flow")

    @property
    def step(self) -> str | None:
        """The step of that conversation waiting for the resident's answer."""
        return self.conversation.get("step")

    @property
    def data(self) -> dict:
        """What the conversation has gathered so far."""
        return self.conversation.setdefault("data", {})

    def begin(self, flow: str, step: str, **data) -> None:
        """Start a conversation (any earlier one is dropped)."""
        self.conversation = {"flow": flow, "step": step, "data": data}

    def ask(self, step: str, **data) -> None:
        """Move the conversation to its next step, keeping what it gathered."""
        self.conversation["step"] = step
        self.data.update(data)

    def end(self) -> None:
        """The conversation is over."""
        self.conversation = {}

    def act_for(self, principal_id: uuid.UUID | None) -> None:
        """From the next update on, act for this person (None: for oneself)."""
        self.acting_for_id = principal_id


def _open_turn(caller: Caller) -> Turn | None:
    """The turn of this update, or None when the chat handled this update already."""
    linked = identity.linked_chat(PROVIDER, caller.chat_id)
    fallback = normalize_locale(caller.language_code) or DEFAULT_LOCALE
    if linked is None:
        return Turn(caller.chat_id, fallback)
    if caller.update_id is not None and not identity.claim_update(PROVIDER, caller.chat_id, caller.update_id):
        return None
    turn = Turn(
        caller.chat_id,
        linked.actor.locale or fallback,
        linked=linked,
        actor=linked.actor,
        conversation=copy.deepcopy(linked.conversation),
    )
    if linked.acting_for_id is not None:
        try:
            turn.actor = identity.proxy_actor(linked.actor, str(linked.acting_for_id))
        except AppError:  # the mandate ended or was withdrawn: the chat acts for its person again
            return turn
        turn.acting_for_id = linked.acting_for_id
        turn.acting_name = identity.get_person(linked.acting_for_id).display_name
    return turn


def _finish(turn: Turn, reply: Reply) -> Reply:
    if turn.linked is not None:
        linked = turn.linked
        if (turn.conversation, turn.acting_for_id) != (linked.conversation, linked.acting_for_id):
            identity.keep_chat_state(
                PROVIDER, turn.chat_id, conversation=turn.conversation, acting_for_id=turn.acting_for_id
            )
    return _with_banner(turn, reply)


def _with_banner(turn: Turn | None, reply: Reply) -> Reply:
    """Every reply of a chat acting for someone says so, refusals included."""
    if turn is not None and turn.acting_name and turn.acting_for_id is not None:
        banner = gettext("Acting for %(name)s under their mandate.", name=turn.acting_name)
        reply.text = f"【{banner}】\n{reply.text}"
    return reply


def not_linked() -> Reply:
    """How an unlinked chat is answered, whatever it asked."""
    return Reply(
        gettext(
            "This chat is not linked to a Yimatong account yet. In the app, open Me > Linked accounts > "
            "Telegram to get a code, then send /start followed by the code."
        ),
        ok=False,
    )


def refusal(error: AppError) -> Reply:
    """A service's refusal, in the reader's language."""
    text = f"{error.title}: {error.detail or error.default_detail}"
    problems = [
        str(message) for messages in error.extra.get("errors", {}).values() for message in _listed(messages)
    ]
    return Reply("\n".join([text, *problems]), ok=False)


def _listed(messages) -> list:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _listed(value)]
    return list(messages) if isinstance(messages, list | tuple) else [messages]


def _run(app: Flask, caller: Caller, handler: Callable[[Turn], Reply]) -> Reply | None:
    # Each update is a request of its own in the logs (and in the jobs it causes).
    with logs.bound(request_id=f"tg-{logs.new_request_id()}"), app.app_context():
        locale = normalize_locale(caller.language_code) or DEFAULT_LOCALE
        turn = None
        try:
            with unit_of_work():
                turn = _open_turn(caller)
                if turn is None:
                    return None
                locale = turn.locale
                with force_locale(locale):
                    return _finish(turn, handler(turn))
        except NotLinked:
            with force_locale(locale):
                return not_linked()
        except AppError as error:
            with force_locale(locale):
                return _with_banner(turn, refusal(error))
        finally:
            db.session.remove()


async def call(app: Flask, caller: Caller, handler: Callable[[Turn], Reply]) -> Reply | None:
    """Run ``handler(turn)`` in a worker thread as one unit of work; None for a repeated update."""
    return await asyncio.to_thread(_run, app, caller, handler)
