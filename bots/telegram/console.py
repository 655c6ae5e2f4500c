"""Talk to the bot without Telegram: ``python -m bots.telegram.console CHAT_ID TEXT`` (or ``--press DATA``).

One message (or button press) from a chat goes through the bot's own handlers against this
deployment's database, and what the bot would send is printed: its text, then each button as
``[label] -> data``. Useful to try a feature before a token exists, and in the README's story.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from itertools import count

from telegram import Update
from telegram.request import BaseRequest, RequestData

CONSOLE_BOT = {"id": 1, "is_bot": True, "first_name": "Yimatong", "username": "yimatong_console_bot"}


class ConsoleRequest(BaseRequest):
    """A Bot API that prints what the bot sends instead of sending it."""

    def __init__(self) -> None:
        self._ids = count(1)

    @property
    def read_timeout(self) -> float | None:
        """No network, no waiting."""
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(self, url, method, request_data: RequestData | None = None, *args, **kwargs):
        """Answer the Bot API call, printing what a message would show."""
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        if endpoint == "getMe":
            return 200, json.dumps({"ok": True, "result": CONSOLE_BOT}).encode()
        if endpoint.startswith("send"):
            _print_message(endpoint, params)
            message = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": 0, "type": "private"},
            }
            return 200, json.dumps({"ok": True, "result": message}).encode()
        return 200, json.dumps({"ok": True, "result": True}).encode()


def _print_message(endpoint: str, params: dict) -> None:
    if endpoint != "sendMessage":
        print(f"({endpoint.removeprefix('send').lower()})")
    print(params.get("text") or params.get("caption") or "")
    markup = params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        print("  " + "  ".join(f"[{button['text']}] -> {button['callback_data']}" for button in row))
    for row in markup.get("keyboard", []):
        print("  " + "  ".join(f"[{button['text']}]" for button in row))


def _update(chat_id: int, language: str, text: str | None, press: str | None) -> dict:
    update_id = time.time_ns() // 1000  # increasing across runs: the bot handles each update once
    user = {"id": chat_id, "is_bot": False, "first_name": "console", "language_code": language}
    message = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private"},
        "from": user,
    }
    if press is not None:
        query = {"id": "1", "from": user, "chat_instance": "console", "data": press, "message": message}
        return {"update_id": update_id, "callback_query": query}
    entities = (
        [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
    )
    return {"update_id": update_id, "message": {**message, "text": text, "entities": entities}}


async def _feed(update: dict) -> None:
    from app import create_app
    from bots.telegram.bot import build_application

    application = build_application(create_app(), "0:CONSOLE", request=ConsoleRequest())
    await application.initialize()
    try:
        await application.process_update(Update.de_json(update, application.bot))
    finally:
        await application.shutdown()


def main(argv: list[str] | None = None) -> None:
    """Feed one message or button press to the bot and print its answer."""
    parser = argparse.ArgumentParser(
        prog="python -m bots.telegram.console", description=__doc__.splitlines()[0]
    )
    parser.add_argument("chat_id", type=int)
    parser.add_argument("text", nargs="?", default="/menu")
    parser.add_argument("--press", help="press the button with this callback data instead of writing")
    parser.add_argument("--language", default="zh-hans", help="Telegram's language code for the user")
    args = parser.parse_args(argv)
    asyncio.run(_feed(_update(args.chat_id, args.language, args.text, args.press)))


if __name__ == "__main__":
    main()
