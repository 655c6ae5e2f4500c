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


def test_an_order_is_cancelled_after_confirming_with_the_refund_said_and_refused_once_accepted(
    bot, link, db, make_person, resident, other_resident
):
    from app.commerce.models import Listing
    from app.payments.models import PaymentIntent, PaymentRefund

    with clock.frozen(helpers.NOON):
        owner = make_person(name="店主")
        shop = helpers.verified_merchant(owner)
        water = helpers.listing(shop, owner, stock=10)
        db.session.commit()
        paid = helpers.paid_order(resident, water, quantity=2)
        accepted = helpers.paid_order(resident, water)
        commerce.accept_order(helpers.person_actor(owner), shop.id, accepted.id)
        unpaid = helpers.order(resident, water)  # its payment not made yet
        db.session.commit()
        assert db.session.get(Listing, water.id).stock == 6

        stranger = link(Chat(8712, language_code="en"), other_resident)
        for pressed in ("ocancel:" + paid.id.hex, "ocancelok:" + paid.id.hex):
            bot(stranger.press(pressed))  # another resident's order: as if it did not exist
            assert bot.request.last_text() == "Not found: The requested resource was not found."
        assert db.session.get(Order, paid.id).status == "paid"

        chat = link(Chat(8711), resident)
        bot(chat.press("order:" + paid.id.hex))
        assert ("取消此订单", "ocancel:" + paid.id.hex) in bot.request.last_buttons()
        bot(chat.press(bot.request.button("ocancel:")))
        assert bot.request.last_text() == "确认取消 测试便利店 的 矿泉水 ×2？\n将全额退还您已支付的 ¥10.00。"
        assert bot.request.last_buttons() == [
            ("确认取消", "ocancelok:" + paid.id.hex),
            ("保留", "order:" + paid.id.hex),
        ]
        assert db.session.get(Order, paid.id).status == "paid"  # nothing before the confirmation
        confirm = bot.request.button("ocancelok:")
        bot(chat.press(confirm))
        assert bot.request.last_text() == "已取消：矿泉水 ×2。\n¥10.00 正在退还给您。"
        db.session.expire_all()
        cancelled = db.session.get(Order, paid.id)
        assert (cancelled.status, cancelled.refunded_fen) == ("cancelled", 1000)
        refunds = db.session.scalars(
            db.select(PaymentRefund).where(PaymentRefund.intent_id == paid.payment_id)
        )
        assert [refund.amount_fen for refund in refunds] == [1000]
        assert db.session.get(Listing, water.id).stock == 8  # its stock is back
        bot(chat.press(confirm))  # pressed again: commerce's reason, in words; refunded once
        assert bot.request.last_text() == "当前无法操作: 此订单已结束（已取消）。"
        assert len(db.session.scalars(db.select(PaymentRefund)).all()) == 1

        chat_en = link(Chat(8713, language_code="en"), resident)
        bot(chat_en.press("ocancel:" + unpaid.id.hex))
        assert bot.request.last_text() == (
            "Cancel 矿泉水 ×1 from 测试便利店?\nNothing has been charged; its payment is stopped."
        )
        bot(chat_en.press(bot.request.button("ocancelok:")))
        assert bot.request.last_text() == "Cancelled: 矿泉水 ×1.\nNothing was charged."
        db.session.expire_all()
        assert db.session.get(Order, unpaid.id).status == "cancelled"
        assert db.session.get(PaymentIntent, unpaid.payment_id).status == "cancelled"

        bot(chat_en.press("order:" + accepted.id.hex))  # accepted by the merchant: no Cancel button
        assert [data for _label, data in bot.request.last_buttons() if data.startswith("ocancel")] == []
        for pressed in ("ocancel:" + accepted.id.hex, "ocancelok:" + accepted.id.hex):
            bot(chat_en.press(pressed))
            assert bot.request.last_text() == (
                "Not possible now: The merchant has accepted this order: ask them to cancel it."
            )
        assert db.session.get(Order, accepted.id).status == "accepted"


def test_an_order_the_merchant_accepts_between_question_and_confirmation_is_not_cancelled(
    bot, link, db, make_person, resident
):
    with clock.frozen(helpers.NOON):
        owner = make_person(name="店主")
        shop = helpers.verified_merchant(owner)
        water = helpers.listing(shop, owner)
        db.session.commit()
        paid = helpers.paid_order(resident, water)
        chat = link(Chat(8714, language_code="zh-TW"), resident)
        bot(chat.press("ocancel:" + paid.id.hex))
        assert bot.request.last_text().endswith("將全額退還您已支付的 CN¥5.00。")
        commerce.accept_order(helpers.person_actor(owner), shop.id, paid.id)  # the merchant is quicker
        db.session.commit()
        bot(chat.press(bot.request.button("ocancelok:")))
        assert bot.request.last_text() == "當前無法操作: 商戶已接單，如需取消請聯繫商戶。"
        db.session.expire_all()
        assert (db.session.get(Order, paid.id).status, db.session.get(Order, paid.id).refunded_fen) == (
            "accepted",
            0,
        )


def test_cancelling_an_elders_order_says_the_care_vouchers_part_goes_back(
    bot, link, db, client, auth, make_person
):
    from tests.eldercare import helpers as care

    with clock.frozen(helpers.NOON):
        elder, worker, owner = care.verified(make_person), care.worker(make_person), make_person(name="站长")
        care.profile(elder, worker=worker)
        station = helpers.verified_merchant(owner, name="颐康长者服务站", category="eldercare")
        bathing = helpers.listing(station, owner, title="上门助浴", price_fen=2000, subsidy_eligible=True)
        db.session.commit()
        topped = client.post(
            f"/api/v1/staff/eldercare/elders/{elder.id}/voucher",
            json={"amount": {"amount_fen": 500}},
            headers=auth(worker),
        )
        assert topped.status_code == 200, topped.get_json()
        order = helpers.paid_order(elder, bathing)
        assert (order.subsidy_fen, order.to_pay.fen) == (500, 1500)

        chat = link(Chat(8715), elder)
        bot(chat.press("ocancel:" + order.id.hex))
        assert bot.request.last_text() == (
            "确认取消 颐康长者服务站 的 上门助浴 ×1？\n"
            "将全额退还您已支付的 ¥15.00。\n"
            "¥5.00 将退回养老服务券。"
        )
        bot(chat.press(bot.request.button("ocancelok:")))
        assert (
            bot.request.last_text()
            == "已取消：上门助浴 ×1。\n¥15.00 正在退还给您。\n¥5.00 已退回养老服务券。"
        )
        balance = client.get("/api/v1/eldercare/voucher", headers=auth(elder)).get_json()["balance"]
        assert balance["amount_fen"] == 500
