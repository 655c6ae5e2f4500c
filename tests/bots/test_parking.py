"""Parking in the chat: free spaces near a shared location, my stays and debts paid once, my fines."""

from __future__ import annotations

from datetime import datetime

from app.core import clock
from app.core.calendar import SHANGHAI
from app.identity.models import AccountLink
from app.parking.models import ParkingSession
from app.payments.models import PaymentIntent
from tests.bots.telegram_fake import Chat
from tests.parking import helpers

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=SHANGHAI)  # daytime, out of quiet hours


def _intents(db, domain: str, record) -> list[PaymentIntent]:
    intents = db.session.scalars(db.select(PaymentIntent).where(PaymentIntent.purpose_domain == domain))
    return [intent for intent in intents if str(record.id) in intent.purpose_ids]


def test_lots_near_a_shared_location_survive_a_restart(bot, link, db, resident):
    with clock.frozen(NOON):
        lot = helpers.make_lot("bot-lot", capacity=40)
        helpers.make_lot("bot-far-lot", point=(26.70, 106.90))
        chat = link(Chat(8501), resident)
        bot(chat.text("/parking"))
        assert bot.request.last_text() == "您还没有停车记录。"
        bot(chat.press("lots:"))
        assert bot.request.last_markup()["keyboard"][0][0]["request_location"] is True
        kept = db.session.scalar(db.select(AccountLink).where(AccountLink.external_id == "8501"))
        assert kept.conversation == {"flow": "parking", "step": "near", "data": {}}

        bot.restart()  # a new process between the question and the answer
        bot(chat.location(26.5561, 106.6906))
        text = bot.request.last_text()
        assert text.startswith("您附近的停车场（空位 · 距离 · 一小时）：")
        assert "bot-lot停车场 · 空位 40 个 · 15 米 · ¥5.00" in text
        assert "bot-far-lot" not in text
        bot(chat.press("lot:" + lot.id.hex))
        assert "空位：40 / 40" in bot.request.last_text()

        chat_en = link(Chat(8502, language_code="en"), resident)
        bot(chat_en.press("lots:"))
        bot(chat_en.location(26.5561, 106.6906))
        assert "bot-lot car park · 40 free · 15 m · CN¥5.00" in bot.request.last_text()


def test_a_debt_is_paid_once_after_confirming_and_fines_are_listed(bot, link, db, resident, other_resident):
    with clock.frozen(NOON):
        lot = helpers.make_lot("bot-pay-lot")
        helpers.bind(resident, "贵A12345")
        helpers.stay(lot, "贵A12345", datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), 70)
        session = db.session.scalar(db.select(ParkingSession).where(ParkingSession.person_id == resident.id))
        assert session.status == "unpaid"
        violation = helpers.file("贵A12345", fine_fen=20_000, points=6)
        db.session.commit()

        chat = link(Chat(8503, language_code="zh-TW"), resident)
        bot(chat.text("/parking"))
        assert bot.request.last_text().startswith("您共欠 CN¥7.00，1 筆停車費：")
        bot(chat.press(bot.request.button("psess:")))
        assert "狀態：待繳" in bot.request.last_text()
        bot(chat.press(bot.request.button("ppay:")))
        assert bot.request.last_text().startswith("確認向 bot-pay-lot停車場 繳納 CN¥7.00")
        assert _intents(db, "parking", session) == []  # nothing is paid before the confirmation

        confirm = bot.request.button("ppayok:")
        bot(chat.press(confirm))
        bot(chat.press(confirm))  # pressed twice: one payment
        assert bot.request.sent_texts()[-1] == bot.request.sent_texts()[-2]
        assert "已發起 CN¥7.00 的支付" in bot.request.last_text()
        assert len(_intents(db, "parking", session)) == 1
        bot(chat.press("psess:" + session.id.hex))
        assert "此筆停車費正在支付中" in bot.request.last_text()

        bot(chat.text("/violations"))
        assert bot.request.last_text() == "您名下車牌的交通違法記錄："
        bot(chat.press("vio:" + violation.id.hex))
        assert "罰款：CN¥200.00，記 6 分" in bot.request.last_text()
        bot(chat.press(bot.request.button("ppay:v")))
        bot(chat.press(bot.request.button("ppayok:v")))
        assert len(_intents(db, "traffic_fine", violation)) == 1

        stranger = link(Chat(8504, language_code="en"), other_resident)
        bot(stranger.text("/parking"))
        assert bot.request.last_text() == "You have no parking stays yet."
        bot(stranger.press("psess:" + session.id.hex))
        assert bot.request.last_text() == "Not found: The requested resource was not found."
        bot(stranger.press(confirm))
        assert bot.request.last_text().startswith("Not found")
        bot(stranger.press("vio:" + violation.id.hex))
        assert bot.request.last_text().startswith("Not found")
        assert len(_intents(db, "parking", session)) == 1


def test_a_plate_is_bound_in_the_chat_with_the_registrys_refusals_in_words(
    bot, link, db, resident, other_resident
):
    from app.parking.models import Plate

    with clock.frozen(NOON):
        helpers.bind(other_resident, "贵B22222")
        db.session.commit()
        chat = link(Chat(8505), resident)
        bot(chat.text("/plates"))
        assert bot.request.last_text() == "您还没有绑定车牌。绑定后，车牌的停车和违法记录会显示在这里。"
        bot(chat.press("plateadd:"))
        bot(chat.text("贵A1234"))  # six characters: parking's own check of the format
        assert bot.request.last_text().startswith("校验失败")
        assert "不是有效的车牌号" in bot.request.last_text()
        bot(chat.text("贵b·22222"))  # typed as people do; normalized by parking
        assert "贵B22222" in bot.request.last_text()
        bot.restart()  # a restart between the number and the name
        bot(chat.text("王小明"))
        assert bot.request.last_text().startswith("车牌已被绑定")  # someone else holds it
        bot(chat.text("/cancel"))

        bot(chat.press("plateadd:"))
        bot(chat.text("贵A12344"))
        bot(chat.text("王小明"))  # the sandbox registry refuses plates ending in 4
        assert bot.request.last_text().startswith("车牌未通过核验")
        assert db.session.scalars(db.select(Plate).where(Plate.person_id == resident.id)).all() == []
        bot(chat.text("/cancel"))

        chat_en = link(Chat(8506, language_code="en"), resident)
        bot(chat_en.press("plateadd:"))
        bot(chat_en.text("贵A12345"))
        assert bot.request.last_text().startswith("Whose name is 贵A12345 registered in?")
        bot(chat_en.text("王小明"))
        assert bot.request.last_text().startswith("贵A12345 is bound to you.")
        (plate,) = db.session.scalars(db.select(Plate).where(Plate.person_id == resident.id))
        assert plate.number == "贵A12345" and plate.holder_name == "王小明" and plate.verified_at
        bot(chat_en.press("plates:"))
        assert "• 贵A12345 · " in bot.request.last_text()
        kept = db.session.scalar(db.select(AccountLink).where(AccountLink.external_id == "8506"))
        assert not kept.conversation  # the conversation is over


def test_a_fine_is_appealed_from_the_chat(bot, link, db, resident, other_resident):
    from app.parking.models import ViolationDispute

    with clock.frozen(NOON):
        helpers.bind(resident, "贵A12345")
        violation = helpers.file("贵A12345", fine_fen=20_000, points=6)
        db.session.commit()
        stranger = link(Chat(8508, language_code="en"), other_resident)
        bot(stranger.press("vapl:" + violation.id.hex))
        assert bot.request.last_text() == "Not found: The requested resource was not found."

        chat = link(Chat(8507, language_code="zh-TW"), resident)
        bot(chat.press("vio:" + violation.id.hex))
        bot(chat.press(bot.request.button("vapl:")))
        assert bot.request.last_text().startswith("申訴")
        assert ("不是我的車（號牌辨識錯誤或套牌）", "vaplk:not_my_vehicle") in bot.request.last_buttons()
        bot(chat.press("vaplk:not_my_vehicle"))
        bot.restart()
        bot(chat.text("那天我的车停在家里，有小区监控为证。"))
        assert bot.request.last_text().startswith("要將此申訴提交給交警嗎？")
        assert db.session.scalars(db.select(ViolationDispute)).all() == []  # nothing before sending
        bot(chat.press("vaplok:"))
        assert bot.request.last_text().startswith("申訴已提交。")
        bot(chat.press("vaplok:"))  # pressed again: the conversation is over, nothing more is sent
        assert bot.request.last_text() == "該按鈕已失效。傳送 /menu 重新開始。"
        (appeal,) = db.session.scalars(db.select(ViolationDispute))
        assert appeal.kind == "not_my_vehicle" and appeal.person_id == resident.id
        assert appeal.description == "那天我的车停在家里，有小区监控为证。"
        db.session.refresh(violation)
        assert violation.status == "disputed"

        bot(chat.press("vio:" + violation.id.hex))
        assert "狀態：申訴中" in bot.request.last_text()
        actions = [data for _label, data in bot.request.last_buttons() if data.startswith(("ppay:", "vapl:"))]
        assert actions == []
        bot(chat.press("vapl:" + violation.id.hex))
        bot(chat.press("vaplk:wrong_facts"))
        bot(chat.text("再申诉一次"))
        bot(chat.press("vaplok:"))  # parking takes one appeal per fine: its refusal, in words
        assert bot.request.last_text().startswith("無法申訴")
        assert len(db.session.scalars(db.select(ViolationDispute)).all()) == 1


def test_frictionless_pay_is_switched_and_a_plate_unbound_after_confirming(
    bot, link, db, resident, other_resident
):
    from app.parking.models import Plate

    with clock.frozen(NOON):
        lot = helpers.make_lot("bot-unbind-lot")
        mine = helpers.bind(resident, "贵A12345")
        theirs = helpers.bind(other_resident, "贵B22222")
        helpers.stay(lot, "贵A12345", datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), 70)
        mine_id, theirs_id = mine.id, theirs.id
        db.session.commit()
        chat = link(Chat(8511), resident)
        bot(chat.text("/plates"))
        assert bot.request.last_buttons() == [
            ("贵A12345 · 无感支付未开启", "plate:" + mine_id.hex),
            ("绑定车牌", "plateadd:"),
        ]  # never another resident's plate
        bot(chat.press("plate:" + mine_id.hex))
        assert bot.request.last_text() == "贵A12345\n车主：李**\n无感支付：未开启"

        bot(chat.press(bot.request.button("pfric:")))
        assert bot.request.last_text().startswith("确认开启 贵A12345 的无感支付？车辆驶离停车场时")
        db.session.refresh(mine)
        assert mine.frictionless is False  # nothing changes before the confirmation
        switch_on = bot.request.button("pfricok:")
        bot(chat.press(switch_on))
        assert bot.request.last_text() == "贵A12345 的无感支付已开启。"
        bot(chat.press(switch_on))  # pressed twice: the same setting, the same answer
        assert bot.request.sent_texts()[-1] == bot.request.sent_texts()[-2]
        db.session.refresh(mine)
        assert mine.frictionless is True

        chat_en = link(Chat(8512, language_code="en"), resident)  # the same person's chat, now in English
        bot(chat_en.press("plate:" + mine_id.hex))
        assert "Frictionless pay (无感支付): on" in bot.request.last_text()
        bot(chat_en.press(bot.request.button("pfric:")))
        assert bot.request.last_text().startswith("Turn frictionless pay off for 贵A12345?")
        bot(chat_en.press(bot.request.button("pfricok:")))
        assert bot.request.last_text() == "Frictionless pay is off for 贵A12345."
        db.session.refresh(mine)
        assert mine.frictionless is False

        stranger = link(Chat(8513, language_code="en"), other_resident)
        for pressed in (f"plate:{mine_id.hex}", f"pfric:{mine_id.hex}:1", f"pfricok:{mine_id.hex}:1"):
            bot(stranger.press(pressed))  # another resident's plate: as if it did not exist
            assert bot.request.last_text() == "Not found: The requested resource was not found."
        for pressed in (f"punbind:{mine_id.hex}", f"punbindok:{mine_id.hex}"):
            bot(stranger.press(pressed))
            assert bot.request.last_text() == "Not found: The requested resource was not found."
        db.session.refresh(mine)
        assert mine.frictionless is False and db.session.get(Plate, mine_id) is not None

        link(chat, resident)  # back to the Chinese chat
        bot(chat.press("plate:" + mine_id.hex))
        bot(chat.press(bot.request.button("punbind:")))
        assert bot.request.last_text().startswith("确认解绑 贵A12345？以往的停车和违法记录仍保留")
        assert bot.request.last_buttons() == [
            ("确认解绑", "punbindok:" + mine_id.hex),
            ("保留", "plate:" + mine_id.hex),
        ]
        assert db.session.get(Plate, mine_id) is not None  # nothing before the confirmation
        unbind = bot.request.button("punbindok:")
        bot(chat.press(unbind))
        assert bot.request.last_text() == "已解绑 贵A12345。"
        db.session.expire_all()
        assert db.session.get(Plate, mine_id) is None
        assert db.session.get(Plate, theirs_id) is not None
        bot(chat.press(unbind))  # pressed again: the plate is not mine any more, as the API's 404
        assert bot.request.last_text() == "未找到: 未找到请求的资源。"
        bot(chat.text("/plates"))
        assert bot.request.last_buttons() == [("绑定车牌", "plateadd:")]
        bot(chat.text("/parking"))  # its past stay stays in my history
        assert "bot-unbind-lot停车场 · 贵A12345" in bot.request.last_buttons()[0][0]
        bot(chat.press(f"punbindok:{theirs_id.hex}"))  # another resident's plate: never unbound
        assert bot.request.last_text() == "未找到: 未找到请求的资源。"
        assert db.session.get(Plate, theirs_id) is not None
