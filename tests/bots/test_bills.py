"""Bills in the chat: see them, pay one after confirming (once, however often pressed), get the receipt."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from app.core import clock
from app.core.calendar import business_date
from app.payments.models import PaymentIntent
from tests.bills import helpers
from tests.bots.telegram_fake import Chat
from tests.notifications.helpers import RecordingTelegram, shanghai


def _intents(db, bill) -> list[PaymentIntent]:
    intents = db.session.scalars(db.select(PaymentIntent).where(PaymentIntent.purpose_domain == "bills"))
    return [intent for intent in intents if str(bill.id) in intent.purpose_ids]


def test_see_pay_once_and_get_the_receipt(app, bot, link, db, resident, other_resident):
    water = helpers.make_biller()
    account = helpers.bind(resident, water)
    bill = helpers.push(water, "W-BOT-1", account.account_number, 8_800)
    chat = link(Chat(8101), resident)

    bot(chat.text("/bills"))
    assert bot.request.last_text() == "您的待缴账单："
    assert ("测试水务集团 2026-10 · ¥88.00 · 待缴", "bill:" + bill.id.hex) in bot.request.last_buttons()
    bot(chat.press("bill:" + bill.id.hex))
    assert "金额：¥88.00" in bot.request.last_text()
    bot(chat.press(bot.request.button("pay:")))
    assert bot.request.last_text().startswith("确认向测试水务集团缴纳 ¥88.00（2026-10")
    assert _intents(db, bill) == []  # nothing is paid before the confirmation

    confirm = bot.request.button("payok:")
    bot(chat.press(confirm))
    bot(chat.press(confirm))  # pressed twice: still one payment
    assert bot.request.sent_texts()[-1] == bot.request.sent_texts()[-2]
    assert "已发起 ¥88.00 的支付" in bot.request.last_text()
    assert len(_intents(db, bill)) == 1

    bot(chat.press("pay:" + bill.id.hex))  # a second confirmation while the first is pending
    bot(chat.press(bot.request.button("payok:")))
    assert bot.request.last_text().startswith("支付进行中")
    assert len(_intents(db, bill)) == 1

    telegram = RecordingTelegram()
    tomorrow = business_date() + timedelta(days=1)
    with (
        clock.frozen(shanghai(tomorrow.year, tomorrow.month, tomorrow.day, 10, 0)),  # not in quiet hours
        mock.patch("app.notifications.channels.telegram_request", return_value=telegram),
        mock.patch.dict(app.config, {"TELEGRAM_BOT_TOKEN": "123456:TEST"}),
    ):
        helpers.settle()
        db.session.commit()
    paid = [m["text"] for m in telegram.sent if str(m["chat_id"]) == "8101" and "88.00" in m["text"]]
    assert paid, telegram.sent  # the payment's notice comes to the chat through the notifications channel

    bot(chat.press("bill:" + bill.id.hex))
    assert "状态：已缴" in bot.request.last_text()
    bot(chat.press(bot.request.button("receipt:")))
    db.session.refresh(bill)
    assert bill.status == "paid"
    assert "电子收据 BR" in bot.request.last_text() and "验证码" in bot.request.last_text()

    bot(chat.text("/bills"))
    assert bot.request.last_text() == "您没有待缴账单。"

    stranger = link(Chat(8102, language_code="en"), other_resident)
    bot(stranger.press("bill:" + bill.id.hex))
    assert bot.request.last_text() == "Not found: The requested resource was not found."
    bot(stranger.press(confirm))
    assert bot.request.last_text().startswith("Not found")
    assert len(_intents(db, bill)) == 1
