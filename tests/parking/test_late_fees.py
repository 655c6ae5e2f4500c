"""Late fees, table-driven: the grace, a share a day, the cap; the law's rule on fines; tariff data."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.calendar import SHANGHAI
from app.parking.late_fees import TRAFFIC_FINE, LateFeeInvalid, LateFeeRule, local_day
from app.parking.tariff import Tariff, TariffInvalid

FILED = date(2026, 12, 1)
PARKING = LateFeeRule(grace_days=7, daily_permille=5, cap_pct=50)  # 0.5 % a day, at most half


@pytest.mark.parametrize(
    ("rule", "principal", "today", "expected"),
    [
        (TRAFFIC_FINE, 20000, date(2026, 12, 1), 0),  # the day of the decision
        (TRAFFIC_FINE, 20000, date(2026, 12, 16), 0),  # the fifteenth day after: still free
        (TRAFFIC_FINE, 20000, date(2026, 12, 17), 600),  # one day late: 3 % of 200 yuan
        (TRAFFIC_FINE, 20000, date(2026, 12, 26), 6000),  # ten days late
        (TRAFFIC_FINE, 20000, date(2027, 1, 18), 19800),  # 33 days: 99 %
        (TRAFFIC_FINE, 20000, date(2027, 1, 19), 20000),  # 34 days would be 102 %: at most the fine
        (TRAFFIC_FINE, 20000, date(2028, 1, 1), 20000),  # a year late: still the fine
        (TRAFFIC_FINE, 5000, date(2026, 12, 17), 150),
        (TRAFFIC_FINE, 1, date(2026, 12, 17), 0),  # 0.03 fen rounds to nothing
        (TRAFFIC_FINE, 17, date(2026, 12, 17), 1),  # 0.51 fen rounds half up to 1
        (TRAFFIC_FINE, 0, date(2027, 6, 1), 0),  # nothing owed, nothing added
        (TRAFFIC_FINE, 20000, date(2026, 11, 30), 0),  # a clock before the filing
        (PARKING, 1200, date(2026, 12, 8), 0),  # the seventh day after the exit
        (PARKING, 1200, date(2026, 12, 9), 6),  # 0.5 % of 12 yuan
        (PARKING, 1250, date(2026, 12, 9), 6),  # 6.25 fen rounds to 6
        (PARKING, 1300, date(2026, 12, 9), 7),  # 6.5 fen rounds half up to 7
        (PARKING, 1200, date(2027, 2, 27), 486),  # 81 days: 40.5 %
        (PARKING, 1200, date(2027, 3, 20), 600),  # the cap: half of the fee
        (PARKING, 1201, date(2027, 12, 1), 600),  # half of 12.01 yuan, rounded down to the fen
        (LateFeeRule(2, 10, 0), 1200, date(2027, 1, 1), 0),  # a cap of 0 %: never a late fee
        (LateFeeRule(2, 0, 100), 1200, date(2027, 1, 1), 0),  # no daily share: never a late fee
    ],
)
def test_late_fee_table(rule, principal, today, expected):
    assert rule.fee_fen(principal, FILED, today) == expected


def test_the_last_free_day_crosses_a_month_and_a_year():
    assert TRAFFIC_FINE.last_free_day(date(2026, 12, 20)) == date(2027, 1, 4)
    assert TRAFFIC_FINE.days_late(date(2026, 12, 20), date(2027, 1, 5)) == 1
    assert PARKING.last_free_day(date(2027, 2, 25)) == date(2027, 3, 4)


def test_days_are_counted_in_shanghai():
    assert local_day(datetime.fromisoformat("2026-12-01T16:30:00+00:00")) == date(2026, 12, 2)  # 00:30 local
    assert local_day(datetime(2026, 12, 1, 23, 59, tzinfo=SHANGHAI)) == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"grace_days": 1, "daily_permille": 5}, "late_fee.grace_days"),  # before the reminder
        ({"grace_days": 7, "daily_permille": 101}, "late_fee.daily_permille"),
        ({"grace_days": 7, "daily_permille": 5, "cap_pct": 150}, "late_fee.cap_pct"),
        ({"grace_days": "7", "daily_permille": 5}, "late_fee.grace_days"),
        ({"daily_permille": 5}, "late_fee.grace_days"),
    ],
)
def test_bad_rules_are_refused(data, field):
    with pytest.raises(LateFeeInvalid) as refused:
        LateFeeRule.from_data(data)
    assert field in refused.value.errors


def test_a_tariff_carries_its_late_fee_as_data():
    data = {
        "unit_minutes": 30,
        "periods": [{"start": "00:00", "end": "00:00", "unit_fen": 100}],
        "late_fee": {"grace_days": 7, "daily_permille": 5, "cap_pct": 50},
    }
    tariff = Tariff.from_data(data)
    assert tariff.late_fee == PARKING
    assert Tariff.from_data(tariff.to_data()) == tariff
    assert Tariff.from_data({**data, "late_fee": None}).late_fee is None
    with pytest.raises(TariffInvalid) as refused:
        Tariff.from_data({**data, "late_fee": {"grace_days": 0, "daily_permille": 5}})
    assert "late_fee.grace_days" in refused.value.errors
