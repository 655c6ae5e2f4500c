"""/lostphone in the chat: the codes stop, and the urgent notice goes down the chain, each step recorded."""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest

from app.core import clock
from app.core.actors import Actor, ActorKind
from app.core.models import utcnow
from app.core.sms import sandbox_log
from app.identity import services as identity
from app.identity.models import Person
from app.notifications.models import Delivery, OutboxMessage
from tests.bots.telegram_fake import Chat
from tests.notifications.helpers import RecordingTelegram, shanghai

DAYTIME = shanghai(2026, 6, 1, 10, 0)


def _own_loop(coroutine):
    """The notifications channel's own event loop, off the bot's (in production it runs in a worker)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(contextvars.copy_context().run, asyncio.run, coroutine).result()


@pytest.fixture
def channel(app):
    """The notifications channel's Bot API (not the bot's own), recorded."""
    telegram = RecordingTelegram()
    with (
        mock.patch("app.notifications.channels.telegram_request", return_value=telegram),
        mock.patch("app.notifications.channels.asyncio", SimpleNamespace(run=_own_loop)),
        mock.patch.dict(app.config, {"TELEGRAM_BOT_TOKEN": "123456:TEST"}),
        clock.frozen(DAYTIME),
    ):
        yield telegram


def _steps(db, person) -> dict[str, tuple[str, str | None]]:
    db.session.expire_all()
    notice = db.session.scalar(
        db.select(OutboxMessage).where(
            OutboxMessage.recipient_id == person.id, OutboxMessage.template == "lost_phone_reported"
        )
    )
    assert notice is not None and notice.urgency == "urgent"
    rows = db.session.scalars(db.select(Delivery).where(Delivery.message_id == notice.id))
    return {d.channel: (d.status, d.error) for d in rows}


def test_the_report_reaches_the_chat_itself_first(bot, link, db, resident, channel):
    chat = link(Chat(8601), resident)
    before = db.session.get(Person, resident.id).citycode_revoked_before
    bot(chat.text("/lostphone"))
    bot(chat.press("lost:no"))
    assert (
        db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.template == "lost_phone_reported"))
        is None
    )
    bot(chat.text("/lostphone"))
    bot(chat.press("lost:yes"))
    assert bot.request.last_text().startswith("已完成：此前生成的一码通都将不再被接受")
    db.session.expire_all()
    assert db.session.get(Person, resident.id).citycode_revoked_before != before
    to_chat = [m["text"] for m in channel.sent if str(m["chat_id"]) == "8601"]
    assert [text for text in to_chat if text.startswith("手机已挂失\n\n")] == to_chat[-1:]
    steps = _steps(db, resident)
    assert steps["telegram"] == ("delivered", None)
    assert steps["sms"] == ("skipped", "reached by telegram")
    assert steps["mandate_holders"] == ("skipped", "reached by telegram")
    assert not [sms for sms in sandbox_log(resident.phone) if "挂失" in sms.body]


def test_a_blocked_chat_and_a_dead_phone_relay_it_to_the_mandate_holder(
    app, bot, link, db, make_person, channel
):
    mother, son = make_person(name="陈阿姨"), make_person(name="儿子", locale="en")
    identity.grant_mandate(
        Actor(kind=ActorKind.PERSON, person_id=mother.id),
        grantee_phone=son.phone,
        scopes=["bills"],
        expires_at=utcnow() + timedelta(days=200),
    )
    db.session.commit()
    chat, son_chat = link(Chat(8602), mother), link(Chat(8603), son)
    bot(chat.text("/lostphone"))
    channel.failures.append((403, "Forbidden: bot was blocked by the user"))
    with mock.patch.dict(app.config, {"SMS_SANDBOX_FAILING": mother.phone}):
        bot(chat.press("lost:yes"))
    assert bot.request.last_text().startswith("已完成：")  # the revoke itself does not wait on the notice
    steps = _steps(db, mother)
    assert steps["telegram"][0] == "failed" and "blocked" in steps["telegram"][1]
    assert "sandbox provider refused" in steps["sms"][1]
    assert steps["mandate_holders"] == ("delivered", None)
    to_son = [m["text"] for m in channel.sent if str(m["chat_id"]) == str(son_chat.chat_id)]
    assert to_son[-1].startswith("For 陈阿姨: Your phone was reported lost\n\n")
