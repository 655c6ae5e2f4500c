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


def test_a_full_time_is_waited_for_and_the_seat_held_for_me_taken_once(
    app, bot, link, db, make_person, other_resident
):
    from app.appointments import services as appointments
    from app.appointments.models import WaitlistEntry
    from app.notifications.models import OutboxMessage

    with clock.frozen(helpers.MONDAY):
        first, second = helpers.verified(make_person, "张一"), helpers.verified(make_person, "李二")
        holder = helpers.verified(make_person, "王三")
        provider, service, _schedule, slots = helpers.publish(seats=1, day_end="08:30")
        taken = appointments.book(helpers.as_person(holder), slots[0].id)
        db.session.commit()
        chat, chat_en = link(Chat(8603), first), link(Chat(8604, language_code="en"), second)

        bot(chat.press("asvc:" + service.id.hex))
        assert bot.request.last_buttons() == [
            ("2026年12月10日 周四 · 已约满，可排队候补", f"aday:{service.id.hex}:20261210")
        ]
        bot(chat.press(f"aday:{service.id.hex}:20261210"))
        assert bot.request.last_buttons() == [("08:00–08:30 · 已约满，排队候补", "awl:" + slots[0].id.hex)]
        bot(chat.press("awl:" + slots[0].id.hex))
        assert bot.request.last_text().startswith(
            f"{provider.name} 的内科（2026年12月10日 08:00–08:30）已约满。"
        )
        assert db.session.scalars(db.select(WaitlistEntry)).all() == []  # nothing before the confirmation
        bot(chat.press("awlok:" + slots[0].id.hex))
        assert bot.request.last_text().startswith("您在候补名单中排第 1 位。")
        bot(chat.press("awlok:" + slots[0].id.hex))  # twice: the app's refusal, in words
        assert bot.request.last_text().startswith("已在候补名单中")
        bot(chat_en.press("awl:" + slots[0].id.hex))
        bot(chat_en.press("awlok:" + slots[0].id.hex))
        assert bot.request.last_text().startswith("You are number 2 on the waitlist.")
        mine, theirs = db.session.scalars(db.select(WaitlistEntry).order_by(WaitlistEntry.id))
        assert (mine.person_id, theirs.person_id) == (first.id, second.id)

        bot(chat.text("/appointments"))
        assert bot.request.last_buttons()[0] == (
            "⏳ 2026/12/10 08:00 · 内科 · 排第 1 位",
            "wl:" + mine.id.hex,
        )
        stranger = link(Chat(8605, language_code="en"), other_resident)
        bot(stranger.press("wl:" + mine.id.hex))
        assert bot.request.last_text() == "Not found: The requested resource was not found."
        bot(stranger.press("wlno:" + mine.id.hex))
        assert bot.request.last_text().startswith("Not found")

        appointments.cancel(helpers.as_person(holder), taken.id)  # a seat frees: held for the first waiting
        db.session.commit()
        db.session.refresh(mine)
        assert mine.status == "offered"
        notice = db.session.scalar(
            db.select(OutboxMessage).where(
                OutboxMessage.recipient_id == first.id, OutboxMessage.template == "appointment_offer"
            )
        )
        assert notice is not None and notice.urgency == "urgent"

        bot(chat.text("/appointments"))
        assert bot.request.last_buttons()[0][0].startswith("🔔 2026/12/10 08:00 · 内科 · 已为您保留名额至 ")
        bot(chat.press("wl:" + mine.id.hex))
        assert "已为您保留一个名额，保留至 " in bot.request.last_text()
        take = bot.request.button("wlyes:")
        bot(chat.press(take))
        bot(chat.press(take))  # pressed twice: one booking
        assert bot.request.sent_texts()[-1] == bot.request.sent_texts()[-2]
        assert bot.request.last_text().startswith("预约成功，确认码 ")
        (booked,) = _appointments(db, first)
        db.session.refresh(mine)
        assert mine.status == "accepted" and mine.appointment_id == booked.id
        db.session.refresh(slots[0])
        assert (slots[0].booked, slots[0].held) == (1, 0)

        appointments.cancel(helpers.as_person(first), booked.id)  # now the second is offered it
        db.session.commit()
        bot(chat_en.text("/appointments"))
        bot(chat_en.press("wl:" + theirs.id.hex))
        assert "A seat is held for you until " in bot.request.last_text()
        bot(chat_en.press("wlno:" + theirs.id.hex))  # she lets it go
        assert bot.request.last_text() == "Done: you are off the waitlist."
        db.session.refresh(theirs)
        db.session.refresh(slots[0])
        assert theirs.status == "withdrawn" and slots[0].held == 0 and _appointments(db, second) == []
        bot(chat_en.press(f"wlyes:{theirs.id.hex}:abcdef012345"))  # too late: the app's refusal
        assert bot.request.last_text().startswith("Offer")
