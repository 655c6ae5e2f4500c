"""Transit in the chat: trips and fares this month, unpaid fares paid once after confirming, the ride code."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.core import clock
from app.core.actors import Actor
from app.payments import services as payments
from app.payments.models import PaymentIntent
from app.transit import services as transit
from tests.bots.telegram_fake import Chat
from tests.transit import helpers

MORNING = datetime(2026, 11, 2, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _intents(db, person) -> list[PaymentIntent]:
    return list(db.session.scalars(db.select(PaymentIntent).where(PaymentIntent.payer_id == person.id)))


def test_trips_this_month_unpaid_fares_paid_once_and_the_ride_code(bot, link, db, resident, other_resident):
    helpers.network()
    with clock.frozen(MORNING):
        code = helpers.code_for(resident, MORNING)
        tap = transit.TapRequest(
            gate=helpers.gate("B2", "PSC"), tap_id=helpers.tap_id(), kind="entry", code=code
        )
        transit.take_tap(helpers.scanner_actor(), tap)
    next_day = MORNING + timedelta(days=1)
    with clock.frozen(next_day):
        transit.settle_days()
        (failed,) = _intents(db, resident)
        payments.cancel_intent(Actor.system(), failed.id)  # the daily charge did not go through
        db.session.commit()

        chat = link(Chat(8901), resident)
        bot(chat.text("/trips"))
        text = bot.request.last_text()
        assert text.startswith("本月：1 次出行，车费 ¥2.00。\n")
        assert text.endswith("未支付：¥2.00（每日扣款未成功）。")
        assert bot.request.last_buttons() == [("缴费 ¥2.00", "fares:"), ("乘车码", "code:")]

        bot(chat.press("fares:"))
        assert bot.request.last_text() == "现在为 1 次未支付的出行缴纳 ¥2.00？"
        assert len(_intents(db, resident)) == 1  # nothing is charged before the confirmation
        confirm = bot.request.button("faresok:")
        bot(chat.press(confirm))
        bot(chat.press(confirm))  # pressed twice: one charge
        assert bot.request.sent_texts()[-1] == bot.request.sent_texts()[-2]
        assert bot.request.last_text().startswith("已发起 ¥2.00 的支付。")
        assert len(_intents(db, resident)) == 2

        bot(chat.press("code:"))
        assert (
            bot.request.calls[-1][0] == "sendPhoto" and bot.request.uploads
        )  # the city code is the ride code

        stranger = link(Chat(8902, language_code="en"), other_resident)
        bot(stranger.text("/trips"))
        assert bot.request.last_text() == "No trips this month."
        bot(stranger.press(confirm))
        assert bot.request.last_text().startswith("Nothing to pay")
        assert len(_intents(db, resident)) == 2 and _intents(db, other_resident) == []
