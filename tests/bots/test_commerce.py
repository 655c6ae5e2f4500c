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


def test_an_offer_nearby_is_ordered_after_confirming_and_paid_once(bot, link, db, make_person, resident):
    from app.commerce.models import Listing
    from app.payments.models import PaymentIntent

    with clock.frozen(helpers.NOON):
        owner = make_person(name="店主")
        shop = helpers.verified_merchant(owner)
        water = helpers.listing(shop, owner, stock=10)
        db.session.commit()

        chat = link(Chat(8703), resident)
        bot(chat.text("/nearby"))
        bot(chat.location(26.5561, 106.6906))
        bot(chat.press("merch:" + shop.id.hex))
        assert ("矿泉水 ¥5.00", "lst:" + water.id.hex) in bot.request.last_buttons()
        bot(chat.press("lst:" + water.id.hex))
        assert bot.request.last_text() == "矿泉水 · ¥5.00\n剩余 10 件\n要几份？"
        bot(chat.press("cqty:2"))
        assert bot.request.last_buttons() == [("到店自取", "cway:pickup"), ("送货上门", "cway:delivery")]
        bot(chat.press("cway:delivery"))
        assert bot.request.last_text() == "送到哪里？请发送地址（楼栋、单元和门牌号）。"
        bot.restart()  # a new process between the question and the address
        bot(chat.text("花果园B区3栋2单元501"))
        assert (
            bot.request.last_text()
            == "确认从 测试便利店 订购 2 × 矿泉水，共 ¥10.00，送到 花果园B区3栋2单元501？"
        )
        assert db.session.scalars(db.select(Order)).all() == []  # nothing is ordered before the confirmation

        confirm = bot.request.button("cordok:")
        bot(chat.press(confirm))
        bot(chat.press(confirm))  # pressed twice (or delivered twice by Telegram): one order, one payment
        assert bot.request.sent_texts()[-1] == bot.request.sent_texts()[-2]
        assert bot.request.last_text().startswith("已下单：矿泉水 ×2，¥10.00。")
        (order,) = db.session.scalars(db.select(Order))
        assert (order.person_id, order.quantity, order.fulfilment) == (resident.id, 2, "delivery")
        assert order.delivery_address == "花果园B区3栋2单元501"
        (intent,) = db.session.scalars(
            db.select(PaymentIntent).where(PaymentIntent.purpose_domain == "commerce")
        )
        assert intent.amount_fen == 1000 and intent.id == order.payment_id
        db.session.refresh(water)
        assert water.stock == 8

        helpers.settle()
        bot(chat.text("/orders"))
        assert bot.request.last_buttons()[0] == ("矿泉水 ×2 · ¥10.00 · 等待商户接单", "order:" + order.id.hex)
        bot(chat.press("cqty:2"))  # a step's button once the order is placed: nothing more happens
        assert bot.request.last_text() == "该按钮已失效。发送 /menu 重新开始。"

        tea = helpers.listing(shop, owner, title="茶叶蛋", stock=1, fulfilment=["pickup"])
        db.session.commit()
        chat_en = link(Chat(8704, language_code="en"), resident)
        bot(chat_en.press("merch:" + shop.id.hex))
        bot(chat_en.press("lst:" + tea.id.hex))
        assert bot.request.last_buttons()[0] == ("×1", "cqty:1")  # never more than the stock
        bot(chat_en.press("cqty:1"))  # one way only: straight to the confirmation
        assert bot.request.last_text().startswith(
            "Order 1 × 茶叶蛋 from 测试便利店 for CN¥5.00, to pick up at "
        )
        first = bot.request.button("cordok:")
        helpers.order(make_person(name="邻居"), tea)  # someone else takes the last one meanwhile
        bot(chat_en.press(first))
        assert bot.request.last_text().startswith("Out of stock")
        assert len(db.session.scalars(db.select(Order).where(Order.person_id == resident.id)).all()) == 1
        assert db.session.get(Listing, tea.id).stock == 0
