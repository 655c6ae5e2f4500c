"""Test helpers of the notifications domain: a recording Telegram API and a fixed clock."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram.request import BaseRequest

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(*args) -> datetime:
    """An aware datetime on the business clock."""
    return datetime(*args, tzinfo=SHANGHAI)


class RecordingTelegram(BaseRequest):
    """A Bot API that records every call and answers ``sendMessage`` (or fails as told)."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.failures: list[tuple[int, str]] = []  # (HTTP status, description), consumed in order

    @property
    def read_timeout(self):
        return 1.0

    async def initialize(self):
        return None

    async def shutdown(self):
        return None

    async def do_request(self, url, method, request_data=None, **_timeouts):
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        self.calls.append((endpoint, params))
        if self.failures:
            status, description = self.failures.pop(0)
            return status, json.dumps(
                {"ok": False, "error_code": status, "description": description}
            ).encode()
        result = {"message_id": len(self.calls), "date": 0, "chat": {"id": 1, "type": "private"}, "text": ""}
        return 200, json.dumps({"ok": True, "result": result}).encode()

    @property
    def sent(self) -> list[dict]:
        return [params for endpoint, params in self.calls if endpoint == "sendMessage"]
