"""Elder care in the chat: check-in and SOS as big buttons; a guardian acting for the elder says so."""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from unittest import mock

from app.core import clock
from app.eldercare.models import Alert, CheckIn
from app.notifications.models import Delivery, OutboxMessage
from tests.bots.telegram_fake import Chat
from tests.eldercare import helpers
from tests.notifications.helpers import RecordingTelegram

BANNER = "【正在受 李奶奶 授权代办】\n"


def _own_loop(coroutine):
    """The notifications channel's own event loop, off the bot's (in production it runs in a worker)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(contextvars.copy_context().run, asyncio.run, coroutine).result()


def test_check_in_and_sos_with_one_button_and_a_guardian_acting_for_the_elder(
    app, bot, link, db, make_person, other_resident
):
    with clock.frozen(helpers.DAYTIME):
        elder = helpers.verified(make_person, "李奶奶")
        daughter = make_person(name="女儿")
        helpers.guard(elder, daughter)
        helpers.profile(elder)
        db.session.commit()
        chat = link(Chat(8801), elder)
        daughter_chat = link(Chat(8802), daughter)

        bot(chat.text("/care"))
        assert bot.request.last_text() == "今天还没有打卡。"
        assert bot.request.last_buttons() == [
            ("✅ 我今天很好", "checkin:"),
            ("🆘 紧急呼救", "sos:"),
            ("🔠 长辈模式：大按钮", "easy:on"),
        ]
        bot(chat.press("checkin:"))
        assert bot.request.last_text().startswith("谢谢。已于 10:00 打卡")
        (row,) = db.session.scalars(db.select(CheckIn).where(CheckIn.person_id == elder.id))
        assert row.source == "bot" and row.checked_in_at is not None

        telegram = RecordingTelegram()
        with (
            mock.patch("app.notifications.channels.telegram_request", return_value=telegram),
            mock.patch("app.notifications.channels.asyncio", SimpleNamespace(run=_own_loop)),
            mock.patch.dict(app.config, {"TELEGRAM_BOT_TOKEN": "123456:TEST"}),
        ):
            bot(chat.press("sos:"))
        assert bot.request.last_text().startswith("正在为您呼救。")
        (alert,) = db.session.scalars(db.select(Alert).where(Alert.person_id == elder.id))
        assert alert.kind == "sos" and alert.source == "bot" and alert.status == "open"
        # the daughter is called first, urgently; her linked chat is reached, so no SMS is needed
        to_daughter = [m["text"] for m in telegram.sent if str(m["chat_id"]) == "8802"]
        assert to_daughter and "李奶奶" in to_daughter[0]
        notice = db.session.scalar(
            db.select(OutboxMessage).where(
                OutboxMessage.recipient_id == daughter.id, OutboxMessage.template == "eldercare_sos"
            )
        )
        steps = {
            d.channel: d.status
            for d in db.session.scalars(db.select(Delivery).where(Delivery.message_id == notice.id))
        }
        assert steps["telegram"] == "delivered" and steps["sms"] == "skipped"

        bot(daughter_chat.text("/actfor"))
        bot(daughter_chat.press("actfor:" + elder.id.hex))
        bot(daughter_chat.press("care:"))
        assert bot.request.last_text().startswith(BANNER + "已于 10:00 打卡。\n紧急呼救：")
        bot(daughter_chat.press(bot.request.button("sosoff:")))
        assert bot.request.last_text() == BANNER + "已取消呼救，不会有人前来。"
        db.session.refresh(alert)
        assert alert.status == "cancelled"
        bot(daughter_chat.press("sosoff:" + alert.id.hex))  # again: the app's refusal, with the banner
        assert bot.request.last_text().startswith(BANNER)

        stranger = link(Chat(8803, language_code="en"), other_resident)
        bot(stranger.press("sos:"))  # for themself: they have no care profile, as the app would say
        assert bot.request.last_text().startswith("No elder-care profile: ")
        bot(stranger.press("sosoff:" + alert.id.hex))
        assert bot.request.last_text() == "Not found: The requested resource was not found."
        assert db.session.scalar(db.select(db.func.count()).select_from(Alert)) == 1


def test_a_guardian_answers_the_sos_she_was_sent_in_the_chat(app, bot, link, db, make_person, other_resident):
    with clock.frozen(helpers.DAYTIME):
        elder = helpers.verified(make_person, "李奶奶")
        daughter, son = make_person(name="女儿"), make_person(name="儿子", locale="en")
        helpers.guard(elder, daughter)
        helpers.guard(elder, son)
        helpers.profile(elder)
        db.session.commit()
        chat = link(Chat(8811), elder)
        daughter_chat, son_chat = link(Chat(8812), daughter), link(Chat(8813), son)
        bot(daughter_chat.text("/care"))  # no call for help, and no profile of her own: the app's refusal
        assert bot.request.last_text().startswith("尚无养老档案")

        telegram = RecordingTelegram()
        with (
            mock.patch("app.notifications.channels.telegram_request", return_value=telegram),
            mock.patch("app.notifications.channels.asyncio", SimpleNamespace(run=_own_loop)),
            mock.patch.dict(app.config, {"TELEGRAM_BOT_TOKEN": "123456:TEST"}),
        ):
            bot(chat.press("sos:"))
            (alert,) = db.session.scalars(db.select(Alert).where(Alert.person_id == elder.id))
            to_daughter = [m["text"] for m in telegram.sent if str(m["chat_id"]) == "8812"]
            assert "李奶奶" in to_daughter[-1]  # the SOS notice reached her chat

            bot(daughter_chat.text("/inbox"))  # the notice, in the same chat: it opens where to answer it
            sos_notice = next(data for label, data in bot.request.last_buttons() if "李奶奶" in label)
            bot(daughter_chat.press(sos_notice))
            assert bot.request.last_buttons()[0] == ("打开：智慧养老", "care:")
            bot(daughter_chat.press("care:"))
            assert bot.request.last_text() == "🆘 李奶奶：紧急呼救，10:00。\n还没有人响应。您能过去吗？"
            assert [
                [b["callback_data"] for b in row] for row in bot.request.last_markup()["inline_keyboard"]
            ] == [
                [f"sosack:{alert.id.hex}:10", f"sosack:{alert.id.hex}:20"],
                [f"sosack:{alert.id.hex}:30", f"sosack:{alert.id.hex}:60"],
            ]  # two to a row: the same choices as the notice's buttons
            assert bot.request.last_buttons()[2] == ("我马上到：30 分钟", f"sosack:{alert.id.hex}:30")
            bot(daughter_chat.press(f"sosack:{alert.id.hex}:45"))  # a time never offered: answers nothing
            assert bot.request.last_text() == "该按钮已失效。发送 /menu 重新开始。"
            db.session.refresh(alert)
            assert alert.status == "open"
            bot(daughter_chat.press(f"sosack:{alert.id.hex}:20"))
            assert bot.request.last_text() == "谢谢。已告知对方您约 20 分钟后到达，不再呼叫其他人。"
            to_elder = [m["text"] for m in telegram.sent if str(m["chat_id"]) == "8811"]
            assert "女儿" in to_elder[-1] and "20" in to_elder[-1]  # the elder hears who is coming
        db.session.refresh(alert)
        assert (alert.status, alert.acknowledged_by_id, alert.eta_minutes) == (
            "acknowledged",
            daughter.id,
            20,
        )
        assert alert.next_step_at is None  # the ladder stops

        bot(son_chat.press(f"sosack:{alert.id.hex}:10"))  # the brother second: the app's refusal, in words
        assert bot.request.last_text().startswith("Already answered")
        bot(son_chat.text("/care"))
        assert "女儿 is coming, in about 20 minutes." in bot.request.last_text()
        assert bot.request.last_markup() is None  # answered: nothing more to press
        stranger = link(Chat(8814, language_code="en"), other_resident)
        bot(stranger.press(f"sosack:{alert.id.hex}:10"))  # not called, no mandate: as if it did not exist
        assert bot.request.last_text() == "Not found: The requested resource was not found."
        bot(chat.text("/care"))
        assert "女儿 正在赶来，约 20 分钟后到。" in bot.request.last_text()
        db.session.refresh(alert)
        assert alert.acknowledged_by_id == daughter.id and alert.eta_minutes == 20
