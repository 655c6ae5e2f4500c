"""Late fees on the home and under a dispute: the card counts them, a dispute holds them until answered."""

from __future__ import annotations

from datetime import datetime

from app.complaints import services as complaints
from app.core import clock
from app.core.calendar import SHANGHAI
from app.parking.models import ParkingSession
from tests.parking import helpers

LATE = {"grace_days": 7, "daily_permille": 5, "cap_pct": 50}  # 0.5 % a day after a week, at most half


def _at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def _stay(client, auth, resident, session_id) -> dict:
    shown = client.get(f"/api/v1/parking/sessions/{session_id}", headers=auth(resident))
    assert shown.status_code == 200, shown.get_json()
    return shown.get_json()


def _parking_card(client, auth, resident) -> dict | None:
    home = client.get("/api/v1/me/home", headers=auth(resident, **{"Accept-Language": "en"}))
    assert home.status_code == 200, home.get_json()
    cards = [card for card in home.get_json()["mine"]["cards"] if card["kind"] == "parking_unpaid"]
    return cards[0] if cards else None


def test_the_homes_parking_card_counts_the_late_fees_due(client, db, auth, resident):
    late_lot = helpers.make_lot("late-lot", tariff={**helpers.TARIFF, "late_fee": LATE})
    plain_lot = helpers.make_lot("plain-lot", point=(26.5600, 106.6950))
    helpers.bind(resident)
    with clock.frozen(_at(1, 23)):
        first = helpers.stay(late_lot, "贵A12345", _at(1, 10), 50)  # 5 yuan
        second = helpers.stay(late_lot, "贵A12345", _at(1, 11), 600)  # 10 hours: 30 yuan, the daily cap
        helpers.stay(plain_lot, "贵A12345", _at(1, 21, 30), 50)  # 5 yuan, never a late fee
    with clock.frozen(_at(8)):  # the last day without a late fee
        card = _parking_card(client, auth, resident)
        assert (card["count"], card["amount"]["amount_fen"]) == (3, 500 + 3_000 + 500)
        assert card["body"] == "¥40.00 in all; please pay soon."
    with clock.frozen(_at(19)):  # 11 days late: 5.5 % of 5 yuan (27.5 → 28 fen) and of 30 yuan (165 fen)
        late = sum(
            _stay(client, auth, resident, s.session_id)["late_fee"]["amount_fen"] for s in (first, second)
        )
        assert late == 28 + 165
        card = _parking_card(client, auth, resident)
        assert card["amount"]["amount_fen"] == 4_000 + 193 and card["urgency"] == "now"
        assert card["body"] == "¥41.93 in all, ¥1.93 of it late fees; please pay soon."
    with clock.frozen(datetime(2027, 6, 1, 12, tzinfo=SHANGHAI)):  # long after: at most half of each fee
        card = _parking_card(client, auth, resident)
        assert card["amount"]["amount_fen"] == 4_000 + 250 + 1_500
        zh = client.get("/api/v1/me/home", headers=auth(resident, **{"Accept-Language": "zh-CN"})).get_json()
        (shown,) = [c for c in zh["mine"]["cards"] if c["kind"] == "parking_unpaid"]
        assert "滞纳金" in shown["body"]


def test_a_disputed_stay_gathers_no_late_fee_until_the_operator_answers(client, db, auth, resident):
    complaints.seed_categories()
    lot = helpers.make_lot("late-lot", tariff={**helpers.TARIFF, "late_fee": LATE})
    helpers.bind(resident)
    session_id = helpers.stay(lot, "贵A12345", _at(1, 10), 50).session_id  # 5 yuan, free until the 8th
    with clock.frozen(_at(12)):  # four days late: 2 % of 5 yuan
        assert _stay(client, auth, resident, session_id)["late_fee"]["amount_fen"] == 10
        raised = client.post(
            "/api/v1/parking/disputes",
            headers=auth(resident),
            json={"session_id": str(session_id), "kind": "wrong_times", "description": "我 10:20 就离场了"},
        )
        assert raised.status_code == 201, raised.get_json()
        shown = _stay(client, auth, resident, session_id)
        assert (shown["late_fee"]["amount_fen"], shown["late_fee_paused"], shown["late_fee_from"]) == (
            0,
            True,
            None,
        )
        assert _parking_card(client, auth, resident)["amount"]["amount_fen"] == 500
    with clock.frozen(_at(21)):  # the operator is late: still nothing counts, and 12345 is open to the driver
        shown = _stay(client, auth, resident, session_id)
        assert (shown["late_fee"]["amount_fen"], shown["amount_due"]["amount_fen"]) == (0, 500)
        answered = client.post(
            f"/api/v1/operator/disputes/{raised.get_json()['id']}/answer",
            headers=helpers.client_token(client, helpers.OPERATOR),  # a token of that day
            json={"decision": "rejected", "answer": "出口照片显示 10:50 离场"},
        )
        assert answered.status_code == 200, answered.get_json()
        shown = _stay(client, auth, resident, session_id)
        assert (shown["late_fee_paused"], shown["late_fee_from"]) == (
            False,
            "2026-12-29",
        )  # a week from the answer
    with clock.frozen(_at(28)):
        assert _stay(client, auth, resident, session_id)["amount_due"]["amount_fen"] == 500
    with clock.frozen(_at(31)):  # three days late after the answer: 1.5 % of 5 yuan, rounded half up
        assert _stay(client, auth, resident, session_id)["late_fee"]["amount_fen"] == 8
        assert _parking_card(client, auth, resident)["amount"]["amount_fen"] == 508
        escalated = client.post(
            f"/api/v1/parking/disputes/{raised.get_json()['id']}/escalate", headers=auth(resident), json={}
        )
        assert escalated.status_code == 200, escalated.get_json()  # rejected: the kernel's way to 12345
        assert _stay(client, auth, resident, session_id)["late_fee"]["amount_fen"] == 8  # answered: it counts


def test_an_accepted_lower_fee_has_its_grace_again_from_the_answer(client, db, auth, resident):
    lot = helpers.make_lot("late-lot", tariff={**helpers.TARIFF, "late_fee": LATE})
    helpers.bind(resident)
    with clock.frozen(_at(1, 23)):
        session_id = helpers.stay(lot, "贵A12345", _at(1, 10), 600).session_id  # 30 yuan
    with clock.frozen(_at(10)):
        raised = client.post(
            "/api/v1/parking/disputes",
            headers=auth(resident),
            json={"session_id": str(session_id), "kind": "wrong_fee", "description": "我有月卡"},
        )
        answered = client.post(
            f"/api/v1/operator/disputes/{raised.get_json()['id']}/answer",
            headers=helpers.client_token(client, helpers.OPERATOR),
            json={"decision": "accepted", "answer": "按月卡减免", "fee": {"amount_fen": 1_000}},
        )
        assert answered.status_code == 200, answered.get_json()
    with clock.frozen(_at(17)):  # the answer's day + 7: the last free day
        shown = _stay(client, auth, resident, session_id)
        assert (shown["fee"]["amount_fen"], shown["late_fee"]["amount_fen"]) == (1_000, 0)
    with clock.frozen(_at(19)):  # two days late on the new fee: 1 % of 10 yuan
        assert _stay(client, auth, resident, session_id)["late_fee"]["amount_fen"] == 10
        stored = db.session.get(ParkingSession, session_id, populate_existing=True)
        assert stored.late_fee_rule is not None and stored.pay_by.isoformat() == "2026-12-17"


def test_the_homes_fines_card_counts_the_late_fee_of_each_fine(client, db, auth, resident):
    helpers.bind(resident)
    helpers.file("贵A12345", fine_fen=20_000, points=6)  # filed at noon on the 1st: free until the 16th
    helpers.file("贵A12345", fine_fen=5_000, points=0)

    def fines_card():
        home = client.get("/api/v1/me/home", headers=auth(resident, **{"Accept-Language": "en"})).get_json()
        (card,) = [card for card in home["mine"]["cards"] if card["kind"] == "violations_unpaid"]
        return card

    with clock.frozen(_at(16)):
        card = fines_card()
        assert (card["amount"]["amount_fen"], card["urgency"]) == (25_000, "soon")
        assert card["body"] == "¥250.00 in all, 6 points."
    with clock.frozen(_at(18)):  # two days late: 6 % of each fine
        violations = client.get("/api/v1/violations", headers=auth(resident)).get_json()["items"]
        assert sum(v["late_fee"]["amount_fen"] for v in violations) == 1_200 + 300
        card = fines_card()
        assert (card["amount"]["amount_fen"], card["urgency"]) == (25_000 + 1_500, "now")
        assert card["body"] == "¥265.00 in all (¥15.00 of it late fees), 6 points."
    with clock.frozen(datetime(2027, 3, 1, 12, tzinfo=SHANGHAI)):  # never more than the fine itself
        assert fines_card()["amount"]["amount_fen"] == 2 * 25_000
