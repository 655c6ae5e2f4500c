"""Community services in the chat: offers near a shared location, a merchant, my orders and their status."""

from __future__ import annotations

from app.commerce import services as commerce
from app.commerce.models import Order
from app.core import clock
from app.core.geo import Point
from tests.bots.telegram_fake import Chat
from tests.commerce import helpers


def test_services_near_a_shared_location_and_my_orders(bot, link, db, make_person, resident, other_resident):
    with clock.frozen(helpers.NOON):
        owner = make_person(name="店主")
        shop = helpers.verified_merchant(owner)
        water = helpers.listing(shop, owner)
        far = helpers.verified_merchant(owner, Point(26.70, 106.90), name="远处的店")
        helpers.listing(far, owner, title="远处的水")
        db.session.commit()

        chat = link(Chat(8701), resident)
        bot(chat.text("/orders"))
        assert bot.request.last_text() == "您还没有订单。"
        bot(chat.press("near:"))
        assert bot.request.last_markup()["keyboard"][0][0]["request_location"] is True
        bot(chat.location(26.5561, 106.6906))
        text = bot.request.last_text()
        assert text.startswith("您附近：\n• 矿泉水 ¥5.00 · 测试便利店 · 15 米 · 营业中")
        assert "远处" not in text
        bot(chat.press("merch:" + shop.id.hex))
        assert bot.request.last_text().startswith("测试便利店 · 超市便利 · 暂无评分\n贵阳市南明区")

        placed = helpers.paid_order(resident, water)
        commerce.accept_order(helpers.person_actor(owner), shop.id, placed.id)
        commerce.mark_ready(helpers.person_actor(owner), shop.id, placed.id)
        db.session.commit()

        bot(chat.text("/orders"))
        assert bot.request.last_text() == "您的订单："
        assert bot.request.last_buttons()[0] == ("矿泉水 ×1 · ¥5.00 · 已备好", "order:" + placed.id.hex)

        stranger = link(Chat(8702, language_code="en"), other_resident)
        bot(stranger.text("/orders"))
        assert bot.request.last_text() == "You have no orders yet."
        bot(stranger.press("order:" + placed.id.hex))
        assert bot.request.last_text() == "Not found: The requested resource was not found."
        bot(stranger.press("orderok:" + placed.id.hex))
        assert bot.request.last_text().startswith("Not found")
        assert db.session.get(Order, placed.id).status == "ready"

        bot(chat.press("order:" + placed.id.hex))
        assert "测试便利店\n矿泉水 ×1 · ¥5.00 · 已备好" in bot.request.last_text()
        bot(chat.press(bot.request.button("orderok:")))
        assert bot.request.last_text().startswith("谢谢。矿泉水 已完成")
        db.session.refresh(placed)
        assert placed.status == "completed"
        bot(chat.press("orderok:" + placed.id.hex))  # a second time: the app's refusal, in words
        assert bot.request.last_text() == "当前无法操作: 订单当前所处的环节不能进行此操作。"
