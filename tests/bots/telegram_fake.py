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
        self.files: dict[str, bytes] = {}  # what users uploaded, by file_id (getFile, then the download)
        self.uploads: list[tuple[str, bytes]] = []  # (method, bytes) of each photo or document the bot sent
        self._ids = count(1000)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url, method, request_data: RequestData | None = None, *args, **kwargs):
        if "/file/bot" in url:  # a download of a file a user sent
            return 200, self.files[url.rsplit("/", 1)[-1]]
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.json_parameters if request_data else {}
        if request_data is not None and request_data.contains_files:
            for part in request_data.multipart_data.values():
                self.uploads.append((endpoint, part[1] if isinstance(part, tuple) else part))
        params = {k: json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v for k, v in params.items()}
        self.calls.append((endpoint, params))
        return 200, json.dumps({"ok": True, "result": self._result(endpoint, params)}).encode()

    def _result(self, endpoint: str, params: dict):
        if endpoint == "getMe":
            return BOT_USER
        if endpoint in ("sendMessage", "sendPhoto", "sendDocument"):
            message = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
            }
            if endpoint == "sendMessage":
                return {**message, "text": params.get("text", "")}
            if endpoint == "sendPhoto":
                size = {"file_id": "p1", "file_unique_id": "u1", "width": 300, "height": 300}
                return {**message, "photo": [size], "caption": params.get("caption", "")}
            document = {"file_id": "d1", "file_unique_id": "u2", "file_name": "document"}
            return {**message, "document": document, "caption": params.get("caption", "")}
        if endpoint == "getFile":
            file_id = params["file_id"]
            return {"file_id": file_id, "file_unique_id": "u" + file_id, "file_path": file_id}
        return True

    def sent_texts(self) -> list[str]:
        """Every text (or caption) the bot sent, in order."""
        return [
            params.get("text", params.get("caption", ""))
            for endpoint, params in self.calls
            if endpoint in ("sendMessage", "sendPhoto", "sendDocument")
        ]

    def last_text(self) -> str:
        """The last text the bot sent."""
        return self.sent_texts()[-1]

    def last_buttons(self) -> list[tuple[str, str]]:
        """The inline buttons of the last message that had some."""
        for endpoint, params in reversed(self.calls):
            markup = params.get("reply_markup")
            if endpoint.startswith("send") and markup and "inline_keyboard" in markup:
                return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]
        return []

    def last_markup(self) -> dict | None:
        """The reply markup of the last message sent."""
        for endpoint, params in reversed(self.calls):
            if endpoint.startswith("send"):
                return params.get("reply_markup")
        return None

    def button(self, starts_with: str) -> str:
        """The callback data of the last message's button whose data starts so (the test presses it)."""
        matches = [data for _label, data in self.last_buttons() if data.startswith(starts_with)]
        assert matches, f"no button {starts_with!r} in {self.last_buttons()}"
        return matches[0]


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

    def photo(self, file_id: str, size: int, caption: str = "") -> dict:
        """A photo (Telegram sends it in sizes; here one), already uploaded under ``file_id``."""
        sizes = [
            {
                "file_id": file_id,
                "file_unique_id": "u" + file_id,
                "width": 640,
                "height": 480,
                "file_size": size,
            }
        ]
        content = {"photo": sizes, **({"caption": caption} if caption else {})}
        return {"update_id": next(self._ids), "message": self._message(**content)}

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
