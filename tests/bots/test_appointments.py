"""Appointments in the chat: search, pick a day and a time, book once after confirming, check-in, cancel."""

from __future__ import annotations

from app.appointments.models import Appointment
from app.core import clock
from app.identity.models import AccountLink
from tests.appointments import helpers
from tests.bots.telegram_fake import Chat


def _appointments(db, person) -> list[Appointment]:
    return list(db.session.scalars(db.select(Appointment).where(Appointment.person_id == person.id)))


def test_search_book_once_check_in_info_and_cancel(bot, link, db, make_person, other_resident):
    with clock.frozen(helpers.MONDAY):
        resident = helpers.verified(make_person, "王小二")
        provider, service, _schedule, slots = helpers.publish(seats=1)
        db.session.commit()
        chat = link(Chat(8601), resident)

        bot(chat.text("/book"))
        assert bot.request.last_text() == "请输入科室、门诊、窗口或医生名称中的一个词。"
        kept = db.session.scalar(db.select(AccountLink).where(AccountLink.external_id == "8601"))
        assert kept.conversation["flow"] == "appointments" and kept.conversation["step"] == "search"
        bot.restart()  # a new process between the question and the answer
        bot(chat.text("内科"))
        assert bot.request.last_text() == "请选择："
        assert (f"{provider.name} · 内科", "asvc:" + service.id.hex) in bot.request.last_buttons()

        bot(chat.press("asvc:" + service.id.hex))
        thursday = ("2026年12月10日 周四 · 可约 2 个时段", f"aday:{service.id.hex}:20261210")
        assert bot.request.last_buttons() == [thursday]
        bot(chat.press(f"aday:{service.id.hex}:20261210"))
        assert bot.request.last_buttons()[0] == ("08:00–08:30 · 余 1 个", "aslot:" + slots[0].id.hex)
        bot(chat.press("aslot:" + slots[0].id.hex))
        assert bot.request.last_text() == f"确认预约 {provider.name} 的内科，2026年12月10日 08:00–08:30？"
        assert _appointments(db, resident) == []  # nothing is booked before the confirmation

        confirm = bot.request.button("abook:")
        bot(chat.press(confirm))
        bot(chat.press(confirm))  # pressed twice: one booking
        assert bot.request.sent_texts()[-1] == bot.request.sent_texts()[-2]
        (booked,) = _appointments(db, resident)
        db.session.refresh(slots[0])
        assert booked.status == "booked" and slots[0].booked == 1
        assert bot.request.last_text().startswith("预约成功，确认码 ")

        bot(chat.text("/appointments"))
        assert bot.request.last_text() == "您的预约："
        bot(chat.press("appt:" + booked.id.hex))
        assert "签到：当天在窗口出示您的一码通（/code）" in bot.request.last_text()
        assert ("一码通", "code:") in bot.request.last_buttons()

        bot(chat.press("aslot:" + slots[1].id.hex))
        bot(chat.press(bot.request.button("abook:")))  # one a day at this provider: its refusal, localized
        assert bot.request.last_text().startswith("已达预约上限")
        assert len(_appointments(db, resident)) == 1

        stranger = link(Chat(8602, language_code="en"), other_resident)
        bot(stranger.press("appt:" + booked.id.hex))
        assert bot.request.last_text() == "Not found: The requested resource was not found."
        bot(stranger.press("acancelok:" + booked.id.hex))
        assert bot.request.last_text().startswith("Not found")
        db.session.refresh(booked)
        assert booked.status == "booked"

        bot(chat.press("acancel:" + booked.id.hex))
        assert bot.request.last_text().startswith("确认取消")
        bot(chat.press("acancelok:" + booked.id.hex))
        db.session.refresh(booked)
        db.session.refresh(slots[0])
        assert booked.status == "cancelled" and slots[0].booked == 0
        assert bot.request.last_text().startswith("已取消")
