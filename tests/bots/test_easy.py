"""Easy mode (长辈模式) in the chat, and the SOS notice a guardian answers with its own button."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from unittest import mock

from app.core import clock
from app.core.sms import SandboxSms
from app.eldercare.models import Alert, CheckIn, ElderProfile
from tests.bills import helpers as bill_helpers
from tests.bots.telegram_fake import Chat
from tests.eldercare import helpers
from tests.notifications.helpers import RecordingTelegram

EASY = [
    ("✅ 我今天很好", "ezfine:"),
    ("🆘 紧急呼救", "ezsos:"),
    ("👪 我的家人", "family:"),
    ("💴 要缴的账单", "ezbills:"),
    ("完整菜单", "easy:off"),
]


def _own_loop(coroutine):
    """The notifications channel's own event loop, off the bot's (in production it runs in a worker)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(contextvars.copy_context().run, asyncio.run, coroutine).result()


@contextlib.contextmanager
def _telegram(app, telegram):
    """The notifications channel's Telegram, recorded (the bot's own replies go to ``bot.request``)."""
    with (
        mock.patch("app.notifications.channels.telegram_request", return_value=telegram),
        mock.patch("app.notifications.channels.asyncio", SimpleNamespace(run=_own_loop)),
        mock.patch.dict(app.config, {"TELEGRAM_BOT_TOKEN": "123456:TEST"}),
    ):
        yield


def _easy_mode(db, elder) -> bool:
    profile = db.session.scalar(db.select(ElderProfile).where(ElderProfile.person_id == elder.id))
    db.session.refresh(profile)
    return profile.easy_mode


def test_an_elder_in_easy_mode_has_four_big_buttons_and_short_answers(
    app, bot, link, db, make_person, other_resident
):
    with clock.frozen(helpers.DAYTIME):
        elder = helpers.verified(make_person, "李奶奶")
        daughter = make_person(name="女儿")
        helpers.guard(elder, daughter)
        helpers.profile(elder, contacts=[("张阿姨", "13900000001")], worker=helpers.worker(make_person))
        water = bill_helpers.make_biller()
        bill = bill_helpers.push(water, "W-EASY-1", bill_helpers.bind(elder, water).account_number, 8_800)
        db.session.commit()
        chat = link(Chat(8901), elder)

        bot(chat.text("/menu"))  # easy mode is off: the full menu
        assert "ezfine:" not in dict(map(reversed, bot.request.last_buttons()))
        bot(chat.text("/care"))  # where an elder finds it
        bot(chat.press(bot.request.button("easy:on")))
        assert _easy_mode(db, elder)
        assert bot.request.last_text() == "长辈模式已开启：大按钮，字少。\n您好！请点“我很好”。"
        assert bot.request.last_buttons() == EASY

        for again in ("/menu", "/start"):  # once linked, /start shows the same
            bot(chat.text(again))
            assert bot.request.last_text() == "您好！请点“我很好”。"
            assert bot.request.last_buttons() == EASY

        bot(chat.press("ezfine:"))
        assert bot.request.last_text() == "谢谢。家人知道您今天很好。\n今天已打卡，一切平安。"
        assert bot.request.last_buttons() == EASY
        (row,) = db.session.scalars(db.select(CheckIn).where(CheckIn.person_id == elder.id))
        assert row.source == "bot" and row.checked_in_at is not None

        bot(chat.press("family:"))
        assert bot.request.last_text() == (
            "您按紧急呼救时，我们会呼叫：\n• 女儿\n• 您的社区工作人员\n• 张阿姨 (邻居) 13900000001\n"
            "点号码即可拨打。"
        )
        assert bot.request.last_buttons() == [("⬅ 返回", "menu:")]

        bot(chat.press("ezbills:"))
        assert bot.request.last_text().startswith("要缴的账单：\n• 测试水务集团 ¥88.00，")
        assert bot.request.last_buttons()[0] == ("缴 测试水务集团 ¥88.00", "pay:" + bill.id.hex)
        bot(chat.press("pay:" + bill.id.hex))  # paying is the bills feature's, confirmed once more
        assert bot.request.last_text().startswith("确认向测试水务集团缴纳 ¥88.00")

        telegram = RecordingTelegram()
        with _telegram(app, telegram):
            bot(chat.press("ezsos:"))
        assert bot.request.last_text() == "正在为您呼救。请留在原地，我会在这里告诉您谁正在赶来。"
        (alert,) = db.session.scalars(db.select(Alert).where(Alert.person_id == elder.id))
        assert (alert.kind, alert.source, alert.status) == ("sos", "bot", "open")
        assert bot.request.last_buttons()[2] == ("是误按，取消呼救", "ezoff:" + alert.id.hex)
        bot(chat.press("ezoff:" + alert.id.hex))
        assert bot.request.last_text().startswith("已取消呼救，不会有人前来。\n")
        db.session.refresh(alert)
        assert alert.status == "cancelled"
        assert bot.request.last_buttons() == EASY

        daughter_chat = link(Chat(8902), daughter)  # acting for her mother, the daughter keeps the full menu
        bot(daughter_chat.text("/actfor"))
        bot(daughter_chat.press("actfor:" + elder.id.hex))
        bot(daughter_chat.text("/menu"))
        assert "ezfine:" not in dict(map(reversed, bot.request.last_buttons()))
        stranger = link(Chat(8903, language_code="en"), other_resident)
        bot(stranger.press("ezoff:" + alert.id.hex))  # another person's alert: as if it did not exist
        assert bot.request.last_text() == "Not found: The requested resource was not found."
        bot(stranger.text("/easy on"))  # no care profile: the app's refusal, in words
        assert bot.request.last_text().startswith("No elder-care profile: ")

        bot(chat.text("/language"))
        bot(chat.press("lang:en"))
        bot(chat.text("/menu"))
        assert bot.request.last_buttons()[:3] == [
            ("✅ I am fine today", "ezfine:"),
            ("🆘 SOS: call for help", "ezsos:"),
            ("👪 My family", "family:"),
        ]
        bot(chat.press("lang:zh_Hant"))
        bot(chat.text("/menu"))
        assert bot.request.last_buttons()[2:4] == [("👪 我的家人", "family:"), ("💴 要繳的帳單", "ezbills:")]

        bot(chat.press("easy:off"))  # the full menu again
        assert bot.request.last_text().startswith("長輩模式已關閉。")
        assert not _easy_mode(db, elder)
        bot(chat.text("/menu"))
        assert "ezfine:" not in dict(map(reversed, bot.request.last_buttons()))


def test_linking_in_easy_mode_shows_the_big_buttons_at_once(bot, link, db, make_person):
    with clock.frozen(helpers.DAYTIME):
        elder = helpers.verified(make_person, "李奶奶")
        helpers.profile(elder)
        db.session.commit()
        chat = link(Chat(8911), elder)
        bot(chat.text("/easy"))
        assert bot.request.last_text() == "长辈模式已关闭。"
        bot(chat.press(bot.request.button("easy:on")))
        assert _easy_mode(db, elder)
        bot(chat.text("/unlink"))
        link(chat, elder)
        assert bot.request.last_text().startswith("已绑定 李奶奶 的账户。")
        assert bot.request.last_text().endswith("\n您好！请点“我很好”。")
        assert [data for _label, data in bot.request.last_buttons()] == [
            "ezfine:",
            "ezsos:",
            "family:",
            "ezbills:",
            "easy:off",
        ]


def test_the_sos_notice_has_an_i_am_coming_button_that_answers_it(
    app, bot, link, db, make_person, other_resident
):
    with clock.frozen(helpers.DAYTIME):
        elder = helpers.verified(make_person, "李奶奶")
        daughter, son = make_person(name="女儿"), make_person(name="儿子", locale="en")
        helpers.guard(elder, daughter)
        helpers.guard(elder, son)  # no chat linked: his notice goes by SMS
        helpers.profile(elder)
        db.session.commit()
        chat, daughter_chat = link(Chat(8921), elder), link(Chat(8922), daughter)

        telegram = RecordingTelegram()
        with _telegram(app, telegram):
            bot(chat.press("sos:"))
            (alert,) = db.session.scalars(db.select(Alert).where(Alert.person_id == elder.id))
            (to_daughter,) = [m for m in telegram.sent if str(m["chat_id"]) == "8922"]
            assert to_daughter["text"].startswith("紧急呼救：李奶奶需要帮助")
            markup = to_daughter["reply_markup"]
            markup = json.loads(markup) if isinstance(markup, str) else markup
            assert markup["inline_keyboard"] == [
                [
                    {"text": "🚗 我马上到（约 10 分钟）", "callback_data": f"sosack:{alert.id.hex}:10"},
                    {"text": "🚗 我马上到（约 20 分钟）", "callback_data": f"sosack:{alert.id.hex}:20"},
                ],
                [
                    {"text": "🚗 我马上到（约 30 分钟）", "callback_data": f"sosack:{alert.id.hex}:30"},
                    {"text": "🚗 我马上到（约 60 分钟）", "callback_data": f"sosack:{alert.id.hex}:60"},
                ],
            ]  # a small choice of when, each the same answer as /care's
            (sms,) = db.session.scalars(db.select(SandboxSms).where(SandboxSms.phone == son.phone))
            assert sms.body == (
                "[Yimatong] Emergency call: 李奶奶 needs help: Emergency call from 李奶奶 at Jun 1, 2026, "
                f"10:00\u202fAM. Nobody has answered yet. Answer in the app (alert {str(alert.id)[-8:]}) "
                "if you can go, or call them now."
            )  # the text message as it always was: no button, no long id

            bot(daughter_chat.press(markup["inline_keyboard"][1][0]["callback_data"]))  # she presses 30 min
            assert bot.request.last_text() == "谢谢。已告知对方您约 30 分钟后到达，不再呼叫其他人。"
            to_elder = [m["text"] for m in telegram.sent if str(m["chat_id"]) == "8921"]
            assert to_elder[-1] == "女儿正在赶来\n\n女儿已响应您的求助，预计30分钟内到达。"
        db.session.refresh(alert)
        answered = (alert.status, alert.acknowledged_by_id, alert.eta_minutes)
        assert answered == ("acknowledged", daughter.id, 30)
        assert alert.next_step_at is None  # nobody else is called

        stranger = link(Chat(8923, language_code="en"), other_resident)
        bot(stranger.press(f"sosack:{alert.id.hex}:20"))  # the same button in another's chat: nothing
        assert bot.request.last_text() == "Not found: The requested resource was not found."
