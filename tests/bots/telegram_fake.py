"""An offline Telegram Bot API: answers getMe, sendMessage, ... and records what the bot sent."""

from __future__ import annotations

import json
import time
from itertools import count

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "一码通城", "username": "yimatong_bot"}


class RecordingRequest(BaseRequest):
    """Stands in for the HTTP layer of python-telegram-bot."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self._ids = count(1000)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url, method, request_data: RequestData | None = None, *args, **kwargs):
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.json_parameters if request_data else {}
        params = {k: json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v for k, v in params.items()}
        self.calls.append((endpoint, params))
        return 200, json.dumps({"ok": True, "result": self._result(endpoint, params)}).encode()

    def _result(self, endpoint: str, params: dict):
        if endpoint == "getMe":
            return BOT_USER
        if endpoint == "sendMessage":
            return {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        return True

    def sent_texts(self) -> list[str]:
        """Every text the bot sent, in order."""
        return [params["text"] for endpoint, params in self.calls if endpoint == "sendMessage"]

    def last_buttons(self) -> list[tuple[str, str]]:
        """The inline buttons of the last message that had some."""
        for endpoint, params in reversed(self.calls):
            markup = params.get("reply_markup")
            if endpoint == "sendMessage" and markup:
                return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]
        return []


class Chat:
    """A Telegram user writing to the bot, building updates as Telegram would send them."""

    def __init__(self, chat_id: int, language_code: str = "zh-hans"):
        self.chat_id = chat_id
        self.user = {"id": chat_id, "is_bot": False, "first_name": "居民", "language_code": language_code}
        self._ids = count(1)

    def _message(self, **content) -> dict:
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private"},
            "from": self.user,
            **content,
        }

    def text(self, text: str) -> dict:
        """A text message (a command when it starts with /)."""
        content = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": next(self._ids), "message": self._message(**content)}

    def location(self, lat: float, lng: float) -> dict:
        """A shared location (WGS84)."""
        return {
            "update_id": next(self._ids),
            "message": self._message(location={"latitude": lat, "longitude": lng}),
        }

    def press(self, data: str) -> dict:
        """A press on an inline button."""
        return {
            "update_id": next(self._ids),
            "callback_query": {
                "id": str(next(self._ids)),
                "from": self.user,
                "chat_instance": "ci",
                "data": data,
                "message": {**self._message(text="…"), "from": BOT_USER},
            },
        }
