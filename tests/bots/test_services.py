"""The city in the chat: home, city code, 12345 photos and ratings, inbox, preferences, insurance."""

from __future__ import annotations

import uuid

from app.complaints.models import Complaint
from app.core.actors import Actor, ActorKind
from app.core.models import utcnow
from app.identity import services as identity
from app.notifications import services as notifications
from app.notifications.models import InboxItem
from app.social_security.models import Certificate
from tests.bills import helpers as bills
from tests.bots.telegram_fake import Chat
from tests.social_security import helpers as ss

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def test_home_shows_what_needs_me_and_opens_it(bot, link, resident):
    water = bills.make_biller()
    account = bills.bind(resident, water)
    due = bills.services.business_date()
    bills.push(water, "W-HOME-1", account.account_number, 3_300, due=due)
    chat = link(Chat(8301), resident)

    bot(chat.text("/home"))
    text = bot.request.last_text()
    assert "¥33.00" in text, text
    assert any(data == "bills:" for _label, data in bot.request.last_buttons())
    bot(chat.text("/services jiaofei"))
    assert "缴费" in bot.request.last_text()
    bot(chat.text("/services zzzzqqq"))
    assert bot.request.last_text() == "没有与“zzzzqqq”相符的服务。"


def test_city_code_is_a_fresh_qr_and_a_lost_phone_stops_it(bot, link, resident, db):
    chat = link(Chat(8302, language_code="en"), resident)
    bot(chat.text("/code"))
    assert bot.request.calls[-1][0] == "sendPhoto"
    assert bot.request.uploads[-1][1].startswith(b"\x89PNG")
    assert bot.request.last_text().startswith("Your city code.")  # no preference of theirs: Telegram's
    assert "works until" in bot.request.last_text()
    first = bot.request.uploads[-1][1]
    bot(chat.press("code:"))
    assert bot.request.uploads[-1][1] != first  # refreshed: a new code

    shown = identity.my_city_code(bills.person_actor(resident)).code
    gate = Actor(kind=ActorKind.CLIENT, client_id="bot-test-gate", scopes=frozenset({"citycode:verify"}))
    bot(chat.text("/lostphone"))
    bot(chat.press("lost:no"))
    assert identity.verify_city_code(gate, shown, "transit").valid
    shown_again = identity.my_city_code(bills.person_actor(resident)).code
    bot(chat.text("/lostphone"))
    bot(chat.press("lost:yes"))
    assert bot.request.last_text().startswith("Done: no city code issued before now will be accepted")
    db.session.expire_all()
    assert identity.verify_city_code(gate, shown_again, "transit").reason == "revoked"


def test_report_with_photos_then_rate_the_answer(bot, link, demo, resident, db):
    chat = link(Chat(8303), resident)
    bot(chat.text("/report"))
    bot(chat.press("group:02"))
    bot(chat.press("cat:0202"))
    bot(chat.text("小区门口路灯坏了"))
    bot(chat.location(26.5561, 106.6906))
    bot(chat.press("report:send"))
    complaint = db.session.scalar(db.select(Complaint).where(Complaint.reporter_id == resident.id))
    assert complaint.tracking_number in bot.request.last_text()

    bot.request.files.update({"ph1": JPEG, "ph2": b"not an image"})
    bot(chat.photo("ph1", len(JPEG)))
    assert bot.request.last_text() == "照片已添加。可以继续发送，或发送 /done 结束。"
    bot(chat.photo("ph2", 12))  # the same check as the app: not a photo
    assert "JPEG" in bot.request.last_text()
    bot(chat.text("/done"))
    db.session.refresh(complaint)
    assert len(complaint.photos) == 1

    complaint.status, complaint.resolved_at, complaint.reply = "resolved", utcnow(), "路灯已修复"
    db.session.commit()
    bot(chat.text("/mine"))
    bot(chat.press("cpl:" + complaint.id.hex))
    assert "答复：路灯已修复" in bot.request.last_text()
    assert ("5", f"rate:{complaint.id.hex}:5") in bot.request.last_buttons()
    bot(chat.press(f"rate:{complaint.id.hex}:5"))
    assert bot.request.last_text() == "感谢您的评价，诉求已办结。"
    db.session.refresh(complaint)
    assert complaint.status == "closed" and complaint.rating == 5
    bot(chat.press(f"rate:{complaint.id.hex}:1"))  # rated already: the service refuses
    db.session.refresh(complaint)
    assert complaint.rating == 5


def test_inbox_and_where_notifications_go(bot, link, resident, db):
    chat = link(Chat(8304), resident)
    notifications.notify(
        resident.id,
        "complaint_received",
        {"reference": "GY-BOT-1"},
        topic="complaints",
        dedupe_key="bot:inbox:1",
    )
    db.session.commit()
    bot(chat.text("/inbox"))
    assert bot.request.last_text().startswith("消息：")
    unread = [data for label, data in bot.request.last_buttons() if label.startswith("● ")]
    assert unread
    bot(chat.press(unread[0]))
    item = db.session.get(InboxItem, uuid.UUID(hex=unread[0].removeprefix("msg:")))
    assert item.read_at is not None and item.title in bot.request.last_text()

    bot(chat.text("/notify"))
    toggles = dict((data, label) for label, data in bot.request.last_buttons())
    assert "ntf:bills" in toggles
    before = "telegram" in notifications.my_preferences(bills.person_actor(resident)).topics["bills"]
    bot(chat.press("ntf:bills"))
    after = "telegram" in notifications.my_preferences(bills.person_actor(resident)).topics["bills"]
    assert after is not before
    bot(chat.press("quiet:off"))
    assert notifications.my_preferences(bills.person_actor(resident)).quiet_hours_enabled is False
    assert "免打扰已关闭。" in bot.request.last_text()


def test_social_security_summary_and_certificate(bot, link, client, make_person, db):
    person, number = ss.verified(make_person)
    bureau = ss.institution(client)
    records = [ss.status("ST-B", number, "pension", "active", ss.day(200))]
    records += [ss.contribution(f"P-B{ago}", number, ss.month(ago)) for ago in (3, 2, 1)]
    assert not ss.push(client, bureau, *records)["refused"]
    chat = link(Chat(8305), person)
    bot(chat.text("/insurance"))
    text = bot.request.last_text()
    assert "参保人：张**" in text and "累计缴费 3 个月（连续 3 个月）" in text, text
    bot(chat.press("cert:contribution"))
    assert bot.request.calls[-1][0] == "sendDocument"
    assert bot.request.uploads[-1][1].startswith(b"%PDF")
    certificate = db.session.scalar(db.select(Certificate).where(Certificate.person_id == person.id))
    assert certificate.code in bot.request.last_text()

    stranger = link(Chat(8306, language_code="en"), make_person(name="未实名", locale="en"))
    bot(stranger.text("/insurance"))
    assert bot.request.last_text().startswith("Real-name verification needed")
