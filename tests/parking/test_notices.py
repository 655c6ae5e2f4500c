"""What drivers hear: a failed frictionless charge, a reminder of a debt, each once."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.core import clock
from app.core.calendar import SHANGHAI
from app.notifications.models import OutboxMessage
from app.parking import services
from app.parking.models import ParkingSession, SessionStatus
from app.payments import sandbox
from tests.parking import helpers


def _sent(db, person, template) -> int:
    stmt = db.select(OutboxMessage).where(
        OutboxMessage.recipient_id == person.id, OutboxMessage.template == template
    )
    return len(list(db.session.scalars(stmt)))


def test_a_failed_frictionless_charge_leaves_a_debt_the_driver_is_told_of(db, resident):
    # An hour at a first-hour price of ¥5.51: the sandbox payer declines amounts ending in 51 fen.
    lot = helpers.make_lot("fail-lot", tariff={**helpers.TARIFF, "first_hour_fen": 551})
    helpers.bind(resident, frictionless=True)
    exited = helpers.stay(lot, "贵A12345", datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), 60)
    assert exited.charged is True and exited.fee_fen == 551
    sandbox.run(clock.utcnow() + timedelta(minutes=5))
    session = db.session.get(ParkingSession, exited.session_id)
    assert session.status == SessionStatus.UNPAID and session.payment_id is None
    assert _sent(db, resident, "parking_payment_failed") == 1


def test_a_debt_is_reminded_once_a_day_after_the_exit(db, resident, lot):
    helpers.bind(resident)
    exited = helpers.stay(lot, "贵A12345", datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), 60)
    assert services.remind_debts() == 0  # not a day yet
    with clock.frozen(datetime(2026, 12, 2, 12, 0, tzinfo=SHANGHAI)):
        assert services.remind_debts() == 1
        assert services.remind_debts() == 0
    assert _sent(db, resident, "parking_debt_reminder") == 1
    assert db.session.get(ParkingSession, exited.session_id).reminded_at is not None


def test_the_sweep_command_reminds(app, db, resident, lot):
    helpers.bind(resident)
    helpers.stay(lot, "贵A12345", datetime(2026, 11, 29, 9, 0, tzinfo=SHANGHAI), 60)
    result = app.test_cli_runner().invoke(args=["parking", "sweep"])
    assert result.exit_code == 0 and "debts_reminded=1" in result.output
