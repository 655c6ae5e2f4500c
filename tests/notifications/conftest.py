"""Fixtures of the notifications tests: a daytime clock, Telegram and webhook receivers."""

from unittest import mock

import httpx
import pytest

from app.core import clock as kernel_clock
from app.identity.models import AccountLink
from tests.notifications.helpers import RecordingTelegram, shanghai

DAYTIME = shanghai(2026, 6, 1, 10, 0)


class FrozenClock:
    """The kernel's clock held still; a test moves it by setting ``return_value``."""

    @property
    def return_value(self):
        return kernel_clock.utcnow()

    @return_value.setter
    def return_value(self, at) -> None:
        kernel_clock.set_to(at)


@pytest.fixture(autouse=True)
def clock():
    """Deliveries (and inline jobs) run at 10:00 Shanghai time unless a test moves the clock."""
    with kernel_clock.frozen(DAYTIME):
        yield FrozenClock()


@pytest.fixture
def telegram(app):
    """A configured bot whose API calls are recorded."""
    recorder = RecordingTelegram()
    with (
        mock.patch("app.notifications.channels.telegram_request", return_value=recorder),
        mock.patch.dict(app.config, {"TELEGRAM_BOT_TOKEN": "123456:TEST"}),
    ):
        yield recorder


@pytest.fixture
def link_telegram(db):
    """Link a person to a Telegram chat."""

    def link(person, chat_id: str = "777000") -> str:
        db.session.add(AccountLink(person_id=person.id, provider="telegram", external_id=chat_id))
        db.session.flush()
        return chat_id

    return link


@pytest.fixture
def webhook_receiver():
    """An HTTP receiver for webhooks: records requests, answers with the queued statuses (then 200)."""

    class Receiver:
        def __init__(self):
            self.requests: list[httpx.Request] = []
            self.statuses: list[int] = []

        def handle(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(self.statuses.pop(0) if self.statuses else 200)

    receiver = Receiver()

    def client() -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(receiver.handle))

    with mock.patch("app.notifications.channels.http_client", side_effect=client):
        yield receiver
