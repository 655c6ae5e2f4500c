"""Late fees as drivers meet them: reminded first, then added to what they pay, and kept as paid."""

from __future__ import annotations

from datetime import datetime

from app.core import clock
from app.core.calendar import SHANGHAI
from app.extensions import db as _db
from app.notifications.models import OutboxMessage
from app.notifications.templates import render
from app.parking import services
from app.parking.models import Violation
from app.payments import sandbox
from tests.parking import helpers

LATE = {"grace_days": 7, "daily_permille": 5, "cap_pct": 50}  # 0.5 % a day after a week, at most half


def _at(day: int, month: int = 12, hour: int = 12) -> datetime:
    return datetime(2026 if month == 12 else 2027, month, day, hour, 0, tzinfo=SHANGHAI)


def _templates(db, template):
    return [m for m in db.session.scalars(db.select(OutboxMessage)) if m.template == template]


def test_an_unpaid_stay_is_reminded_then_owes_the_lots_late_fee(client, db, auth, resident):
    lot = helpers.make_lot("late-lot", tariff={**helpers.TARIFF, "late_fee": LATE})
    helpers.bind(resident)
    exited = helpers.stay(lot, "贵A12345", _at(1, hour=10), 50)  # 5 yuan, a debt
    session_id = exited.session_id
    with clock.frozen(_at(2, hour=11)):
        assert services.remind_debts() == 1  # a day after the exit: reminded, no late fee yet
        shown = client.get(f"/api/v1/parking/sessions/{session_id}", headers=auth(resident)).get_json()
        assert (shown["late_fee"]["amount_fen"], shown["late_fee_from"]) == (0, "2026-12-09")
    with clock.frozen(_at(8)):
        shown = client.get(f"/api/v1/parking/sessions/{session_id}", headers=auth(resident)).get_json()
        assert shown["amount_due"]["amount_fen"] == 500  # the last day without one
    with clock.frozen(_at(19)):  # 11 days late: 5.5 % of 5 yuan = 27.5 fen, rounded half up
        shown = client.get(f"/api/v1/parking/sessions/{session_id}", headers=auth(resident)).get_json()
        assert (shown["late_fee"]["amount_fen"], shown["amount_due"]["amount_fen"]) == (28, 528)
        paying = client.post(
            "/api/v1/parking/payments",
            headers=auth(resident, **{"Idempotency-Key": "late-stay"}),
            json={"session_id": str(session_id)},
        )
        assert paying.status_code == 201, paying.get_json()
        assert paying.get_json()["amount"]["amount_fen"] == 528
        sandbox.run()
    with clock.frozen(_at(25)):  # paid: the late fee stays what was paid, the clock no longer counts
        shown = client.get(f"/api/v1/parking/sessions/{session_id}", headers=auth(resident)).get_json()
        assert (shown["status"], shown["late_fee"]["amount_fen"]) == ("paid", 28)
        assert shown["amount_due"]["amount_fen"] == 0


def test_a_lot_without_a_late_fee_never_adds_one(client, db, auth, resident, lot):
    helpers.bind(resident)
    exited = helpers.stay(lot, "贵A12345", _at(1, hour=10), 50)
    with clock.frozen(_at(20, month=1)):
        shown = client.get(f"/api/v1/parking/sessions/{exited.session_id}", headers=auth(resident)).get_json()
        assert (shown["amount_due"]["amount_fen"], shown["late_fee_from"]) == (500, None)


def test_a_fine_is_reminded_before_its_last_free_day_then_gains_three_percent_a_day(
    client, db, auth, resident
):
    helpers.bind(resident)
    violation = helpers.file(fine_fen=20_000)  # filed on 1 December: free until the 16th
    violation_id = violation.id
    assert violation.last_free_day.isoformat() == "2026-12-16"
    with clock.frozen(_at(13)):
        assert services.remind_fines_due() == 0  # three days before: not yet
    with clock.frozen(_at(14)):
        assert services.remind_fines_due() == 1
        assert services.remind_fines_due() == 0  # once
    (told,) = _templates(db, "violation_due_soon")
    assert told.recipient_id == resident.id
    english = render(told.template, told.params, "en").body
    assert "3% of the fine" in english and "%%" not in english
    assert "3% 加处罚款" in render(told.template, told.params, "zh_Hans").body
    with clock.frozen(_at(18)):  # two days late: 6 % of 200 yuan
        shown = client.get(f"/api/v1/violations/{violation_id}", headers=auth(resident)).get_json()
        assert (shown["late_fee"]["amount_fen"], shown["amount_due"]["amount_fen"]) == (1_200, 21_200)
        paying = client.post(
            "/api/v1/violations/payments",
            headers=auth(resident, **{"Idempotency-Key": "late-fine"}),
            json={"violation_id": str(violation_id)},
        )
        assert paying.status_code == 201, paying.get_json()
        assert paying.get_json()["amount"]["amount_fen"] == 21_200
        sandbox.run()
    with clock.frozen(_at(1, month=3)):
        stored = _db.session.get(Violation, violation_id, populate_existing=True)
        assert (stored.status, stored.late_fee_fen, stored.late_fee.fen) == ("paid", 1_200, 1_200)


def test_a_fine_left_a_year_owes_at_most_the_fine_again(client, db, auth, resident):
    helpers.bind(resident)
    violation = helpers.file(fine_fen=5_000)
    with clock.frozen(datetime(2027, 12, 1, 12, 0, tzinfo=SHANGHAI)):
        shown = client.get(f"/api/v1/violations/{violation.id}", headers=auth(resident)).get_json()
        assert shown["late_fee"]["amount_fen"] == 5_000 and shown["amount_due"]["amount_fen"] == 10_000
