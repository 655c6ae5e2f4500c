"""The chat itself: its language, acting for an elder under a mandate, restarts and repeated updates."""

from __future__ import annotations

from app.complaints.models import Complaint
from app.core.actors import Actor, ActorKind
from app.identity import services as identity
from app.identity.models import AccountLink
from tests.bills import helpers
from tests.bots.telegram_fake import Chat


def test_the_language_switch_changes_the_persons_preference(bot, link, resident, db):
    chat = link(Chat(8201), resident)
    bot(chat.text("/language"))
    assert bot.request.last_buttons() == [
        ("简体中文", "lang:zh_Hans"),
        ("繁體中文", "lang:zh_Hant"),
        ("English", "lang:en"),
    ]
    bot(chat.press("lang:en"))
    assert bot.request.last_text() == "I will write to you in English from now on."
    db.session.refresh(resident)
    assert resident.locale == "en"
    bot(chat.text("/menu"))
    assert bot.request.last_text() == "What would you like to do?"
    assert ("Bills", "bills:") in bot.request.last_buttons()
    bot(chat.press("lang:zh_Hant"))
    bot(chat.text("/bills"))
    assert bot.request.last_text() == "您沒有待繳帳單。"


def test_a_guardian_acts_for_an_elder_and_every_reply_says_so(bot, link, make_person, db):
    elder, daughter = make_person(name="王奶奶"), make_person(name="女儿")
    water = helpers.make_biller()
    account = helpers.bind(elder, water)
    bill = helpers.push(water, "W-ELDER-1", account.account_number, 4_200)
    mandate = helpers.grant_bills_mandate(elder, daughter)
    chat = link(Chat(8202), daughter)

    bot(chat.text("/bills"))
    assert bot.request.last_text() == "您没有待缴账单。"  # her own bills: none
    bot(chat.text("/actfor"))
    assert bot.request.last_buttons() == [("王奶奶", "actfor:" + elder.id.hex), ("我自己", "actfor:self")]
    bot(chat.press("actfor:" + elder.id.hex))
    assert bot.request.last_text().startswith("【正在受 王奶奶 授权代办】\n")

    bot(chat.text("/bills"))
    assert bot.request.last_text().startswith("【正在受 王奶奶 授权代办】\n您的待缴账单：")
    assert ("测试水务集团 2026-10 · ¥42.00 · 待缴", "bill:" + bill.id.hex) in bot.request.last_buttons()
    bot(chat.text("/insurance"))  # outside the mandate's scopes: the same refusal as the API
    assert bot.request.last_text().startswith("【正在受 王奶奶 授权代办】\n")
    assert "您的授权委托不包括 social_security" in bot.request.last_text()

    identity.revoke_mandate(Actor(kind=ActorKind.PERSON, person_id=elder.id), mandate.id)
    db.session.commit()
    bot(chat.text("/bills"))  # the mandate ended: the chat acts for its own person again
    assert bot.request.last_text() == "您没有待缴账单。"

    bot(Chat(8203).press("actfor:" + elder.id.hex))  # an unlinked chat acts for nobody
    assert bot.request.last_text().startswith("此对话尚未绑定一码通城账户。")


def test_a_restart_in_the_middle_of_a_report_resumes_it(bot, link, demo, resident, db):
    chat = link(Chat(8204), resident)
    bot(chat.text("/report"))
    bot(chat.press("group:02"))
    bot(chat.press("cat:0202"))
    bot(chat.text("观山湖公园北门路灯不亮"))
    kept = db.session.scalar(db.select(AccountLink).where(AccountLink.external_id == "8204"))
    assert kept.conversation["step"] == "place" and kept.conversation["data"]["category"] == "0202"

    bot.restart()  # a new process: nothing in memory
    bot(chat.text("观山湖区林城东路"))
    bot(chat.press("report:send"))
    complaint = db.session.scalar(db.select(Complaint).where(Complaint.reporter_id == resident.id))
    assert complaint.description == "观山湖公园北门路灯不亮" and complaint.address == "观山湖区林城东路"


def test_an_update_telegram_delivers_twice_is_handled_once(bot, link, demo, resident, db):
    chat = link(Chat(8205), resident)
    bot(chat.text("/report"))
    bot(chat.press("group:02"))
    bot(chat.press("cat:0202"))
    bot(chat.text("路灯坏了"))
    bot(chat.text("新华路"))
    send = chat.press("report:send")
    bot(send)
    replies = len(bot.request.sent_texts())
    bot(send)  # the same update again (a webhook retried)
    assert len(bot.request.sent_texts()) == replies
    count = db.session.scalar(
        db.select(db.func.count()).select_from(Complaint).where(Complaint.reporter_id == resident.id)
    )
    assert count == 1


def test_unlinking_from_the_app_stops_the_chat(bot, link, client, auth, resident):
    chat = link(Chat(8206), resident)
    assert client.delete("/api/v1/me/links/telegram", headers=auth(resident)).status_code in (200, 204)
    bot(chat.text("/bills"))
    assert bot.request.last_text().startswith("此对话尚未绑定一码通城账户。")
    bot(chat.text("随便说点什么"))
    assert bot.request.last_text().startswith("此对话尚未绑定一码通城账户。")
