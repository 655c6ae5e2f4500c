"""The bot as a resident uses it: link the chat, report to 12345, follow requests, in their language."""

from app.complaints.models import Complaint
from tests.bots.telegram_fake import Chat


def _link_code(client, auth, person) -> str:
    response = client.post("/api/v1/me/links/telegram", headers=auth(person))
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()["code"]


def test_unlinked_chat_is_told_how_to_link(bot):
    bot(Chat(7001).text("/mine"))
    assert bot.request.sent_texts()[-1].startswith("此对话尚未绑定一码通城账户。")
    bot(Chat(7005, language_code="zh-TW").text("/mine"))
    assert bot.request.sent_texts()[-1].startswith("此對話尚未綁定一碼通城帳戶。")


def test_link_then_report_then_follow(bot, client, auth, demo, resident, db):
    chat = Chat(7002)
    bot(chat.text("/start " + _link_code(client, auth, resident)))
    assert resident.display_name in bot.request.sent_texts()[-1]

    bot(chat.text("/report"))
    groups = dict((data, label) for label, data in bot.request.last_buttons())
    assert groups["group:02"] == "城市管理"
    bot(chat.press("group:02"))
    assert ("路灯故障", "cat:0202") in bot.request.last_buttons()
    bot(chat.press("cat:0202"))
    bot(chat.text("花果园小区门口路灯坏了，晚上一片漆黑"))
    assert bot.request.last_markup()["keyboard"][0][0]["request_location"] is True
    bot(chat.location(26.5561, 106.6906))
    assert "路灯故障" in bot.request.last_text()  # shown once more before it is sent
    assert db.session.scalar(db.select(Complaint).where(Complaint.reporter_id == resident.id)) is None
    bot(chat.press("report:send"))

    complaint = db.session.scalar(db.select(Complaint).where(Complaint.reporter_id == resident.id))
    assert complaint.channel == "telegram" and complaint.category.code == "0202"
    assert complaint.status == "dispatched"  # routed by the same rules as the app
    assert complaint.tracking_number in bot.request.sent_texts()[-1]

    bot(chat.text("/mine"))
    assert complaint.tracking_number in bot.request.sent_texts()[-1]
    bot(chat.text("/status " + complaint.tracking_number))
    assert "市城市管理局" in bot.request.sent_texts()[-1]


def test_english_speaker_and_someone_elses_request(bot, client, auth, demo, resident, other_resident, db):
    chat = Chat(7003, language_code="en")
    bot(chat.text("/start " + _link_code(client, auth, other_resident)))
    assert bot.request.sent_texts()[-1].startswith("Linked to the account of")
    mine = client.post(
        "/api/v1/complaints",
        json={"category": "0301", "description": "新华路小区停水一整天了", "address": "新华路街道"},
        headers=auth(resident),
    ).get_json()
    bot(chat.text("/status " + mine["tracking_number"]))
    assert bot.request.sent_texts()[-1] == "Not found: The requested resource was not found."


def test_cancel_and_bad_code(bot, client, auth, demo, resident):
    chat = Chat(7004)
    bot(chat.text("/start 000000"))
    assert bot.request.sent_texts()[-1] == "绑定码无效或已过期，请在 App 中重新获取。"
    bot(chat.text("/start " + _link_code(client, auth, resident)))
    bot(chat.text("/report"))
    bot(chat.text("/cancel"))
    bot(chat.text("这句话不应成为诉求"))
    assert client.get("/api/v1/complaints", headers=auth(resident)).get_json()["items"] == []
    bot(chat.text("/unlink"))
    bot(chat.text("/mine"))
    assert "/start" in bot.request.sent_texts()[-1]
