"""Channels behind one interface: the in-app inbox, SMS, Telegram and signed webhooks.

A channel's ``send`` delivers one message to one target and returns the provider's id, raises
``Skipped`` when it cannot apply (no linked account, no bot token) or ``ChannelFailed`` when it
failed (``retryable`` says whether trying again may help). It runs inside a savepoint, so what it
writes to the database is kept only if it succeeds.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.core import outbound
from app.core.sms import SmsError, sms_provider
from app.extensions import db
from app.notifications.models import Delivery, InboxItem, OutboxMessage, WebhookEndpoint

BRAND = _l("Yimatong")
SIGNATURE_HEADER = "Yimatong-Signature"
TIMESTAMP_HEADER = "Yimatong-Timestamp"
EVENT_HEADER = "Yimatong-Event"
DELIVERY_HEADER = "Yimatong-Delivery"


@dataclass(frozen=True)
class Recipient:
    """Who a person's message goes to, as the channels need it."""

    person_id: uuid.UUID | None  # None: a phone without an account (an invitation)
    phone: str
    locale: str
    telegram_chat_id: str | None
    name: str = ""  # how the person is greeted (their display name)


@dataclass(frozen=True)
class Outgoing:
    """One message ready to send: rendered for a person, or a webhook event for a client."""

    message: OutboxMessage
    title: str = ""
    body: str = ""
    locale: str = ""
    recipient: Recipient | None = None
    quiet_until: datetime | None = None  # the person's quiet hours hold SMS and Telegram until then
    buttons: tuple = ()  # rows of (label, callback data): inline buttons in Telegram


@dataclass(frozen=True)
class Sent:
    """What the channel's provider answered."""

    provider_message_id: str | None = None


class Skipped(Exception):
    """The channel does not apply to this recipient; the reason is recorded."""


class ChannelFailed(Exception):
    """Sending failed; ``retryable`` is False when trying again cannot help."""

    def __init__(self, reason: str, *, retryable: bool = True):
        super().__init__(reason)
        self.retryable = retryable


class Channel(Protocol):
    """Delivers one message to one target."""

    name: str

    def send(self, outgoing: Outgoing, delivery: Delivery) -> Sent:
        """Deliver, or raise Skipped / ChannelFailed."""
        ...


class InboxChannel:
    """The in-app inbox: always written for a person's message."""

    name = "inbox"

    def send(self, outgoing: Outgoing, delivery: Delivery) -> Sent:
        """Store the rendered message in the recipient's inbox (once per message)."""
        message = outgoing.message
        existing = db.session.scalar(db.select(InboxItem.id).where(InboxItem.message_id == message.id))
        if existing is not None:
            return Sent(str(existing))
        item = InboxItem(
            person_id=message.recipient_id,
            message_id=message.id,
            topic=message.topic,
            template=message.template,
            urgency=message.urgency,
            locale=outgoing.locale,
            title=outgoing.title[:200],
            body=outgoing.body,
        )
        db.session.add(item)
        db.session.flush()
        return Sent(str(item.id))


class SmsChannel:
    """A text message through the configured SMS provider."""

    name = "sms"

    def send(self, outgoing: Outgoing, delivery: Delivery) -> Sent:
        """Send ``【brand】title: body`` to the recipient's phone."""
        text = gettext(
            "[%(brand)s] %(title)s: %(body)s", brand=str(BRAND), title=outgoing.title, body=outgoing.body
        )
        try:
            receipt = sms_provider().send(outgoing.recipient.phone, text)
        except SmsError as exc:
            raise ChannelFailed(f"sms provider: {exc}") from exc
        return Sent(receipt.provider_message_id)


def telegram_request():
    """The python-telegram-bot request object to use (None: its default HTTP client)."""
    return None


class TelegramChannel:
    """A Telegram message from the bot to the chat the person linked."""

    name = "telegram"

    def send(self, outgoing: Outgoing, delivery: Delivery) -> Sent:
        """Send the title and body to the linked chat, with the notice's buttons if it has any."""
        token = current_app.config.get("TELEGRAM_BOT_TOKEN")
        if not token:
            raise Skipped("no Telegram bot token is configured")
        chat_id = outgoing.recipient.telegram_chat_id
        if not chat_id:
            raise Skipped("the person has not linked a Telegram account")
        text = f"{outgoing.title}\n\n{outgoing.body}"
        message_id = asyncio.run(_telegram_send(token, chat_id, text, outgoing.buttons))
        return Sent(str(message_id))


async def _telegram_send(token: str, chat_id: str, text: str, buttons: tuple = ()) -> int:
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError
    from telegram.request import HTTPXRequest

    request = telegram_request()
    owned = request is None
    if owned:
        request = HTTPXRequest(connect_timeout=5, read_timeout=10)
    bot = Bot(
        token,
        base_url=current_app.config["TELEGRAM_API_BASE_URL"],
        request=request,
        get_updates_request=request,
    )
    try:
        markup = None
        if buttons:
            keyboard = [
                [InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons
            ]
            markup = InlineKeyboardMarkup(keyboard)
        message = await bot.send_message(chat_id=chat_id, text=text, reply_markup=markup)
    except (Forbidden, BadRequest, InvalidToken) as exc:
        raise ChannelFailed(f"telegram: {exc.__class__.__name__}: {exc}", retryable=False) from exc
    except TelegramError as exc:
        raise ChannelFailed(f"telegram: {exc.__class__.__name__}: {exc}") from exc
    finally:
        if owned:
            await request.shutdown()
    return message.message_id


def http_client() -> httpx.Client:
    """The HTTP client webhooks are posted with: no redirects, public addresses only (no SSRF)."""
    config = current_app.config
    transport = None if config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] else outbound.PublicOnlyTransport()
    timeout = config["WEBHOOK_TIMEOUT_SECONDS"]
    return httpx.Client(timeout=timeout, follow_redirects=False, transport=transport)


def webhook_body(message: OutboxMessage) -> bytes:
    """The JSON document a client receives for an event."""
    document = {
        "id": str(message.id),
        "event": message.template,
        "created_at": message.created_at.isoformat(),
        "data": message.params,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value: ``v1=`` and HMAC-SHA256 over ``"<timestamp>." + body``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


class WebhookChannel:
    """A signed POST to one of an institutional client's endpoints."""

    name = "webhook"

    def send(self, outgoing: Outgoing, delivery: Delivery) -> Sent:
        """POST the event, signed; any 2xx is delivered, 410 gives up, anything else is retried."""
        endpoint = db.session.get(WebhookEndpoint, uuid.UUID(delivery.target)) if delivery.target else None
        if endpoint is None or not endpoint.active:
            raise Skipped("the client has no active webhook endpoint for this event")
        body = webhook_body(outgoing.message)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Yimatong-Webhooks/1",
            EVENT_HEADER: outgoing.message.template,
            DELIVERY_HEADER: str(outgoing.message.id),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
        }
        try:
            with http_client() as client:
                response = client.post(endpoint.url, content=body, headers=headers)
        except outbound.AddressNotAllowed as exc:
            raise ChannelFailed(f"webhook: refused: {exc}", retryable=False) from exc
        except httpx.HTTPError as exc:
            raise ChannelFailed(f"webhook: {exc.__class__.__name__}: {exc}") from exc
        if response.is_success:
            return Sent(response.headers.get("X-Request-Id"))
        raise ChannelFailed(f"webhook: HTTP {response.status_code}", retryable=response.status_code != 410)


CHANNELS: dict[str, Channel] = {
    channel.name: channel for channel in (InboxChannel(), SmsChannel(), TelegramChannel(), WebhookChannel())
}
PERSON_CHANNELS = ("inbox", "sms", "telegram")
HELD_IN_QUIET_HOURS = frozenset({"sms", "telegram"})
