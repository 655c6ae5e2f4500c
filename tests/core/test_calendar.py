"""The working-day calendar: weekends, the 2026 public holidays and make-up working days (调休)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.city.demo import CALENDAR_FILE
from app.core.calendar import (
    WorkCalendar,
    calendar_from_days,
    load_calendar,
    read_calendar_csv,
    save_calendar_days,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = timedelta(hours=1)
SHIPPED = calendar_from_days((day, kind) for day, kind, _name in read_calendar_csv(CALENDAR_FILE))


def at(*args) -> datetime:
    """A wall-clock moment in Shanghai."""
    return datetime(*args, tzinfo=SHANGHAI)


def test_plain_weeks_have_weekends_off():
    plain = WorkCalendar()
    assert plain.is_working_day(date(2026, 3, 6))  # Friday
    assert not plain.is_working_day(date(2026, 3, 7))  # Saturday
    assert not plain.is_working_day(date(2026, 3, 8))  # Sunday
    assert plain.next_working_day(date(2026, 3, 7)) == date(2026, 3, 9)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 1), False),  # 元旦
        (date(2026, 1, 4), True),  # Sunday, make-up day for 元旦
        (date(2026, 2, 14), True),  # Saturday before 春节
        (date(2026, 2, 16), False),  # 春节 (Monday)
        (date(2026, 2, 23), False),  # last day of 春节
        (date(2026, 2, 24), True),
        (date(2026, 5, 5), False),  # 劳动节 (Tuesday)
        (date(2026, 5, 9), True),  # Saturday, make-up day for 劳动节
        (date(2026, 9, 20), True),  # Sunday, make-up day for 国庆节
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, make-up day for 国庆节
        (date(2026, 10, 11), False),  # an ordinary Sunday
    ],
)
def test_the_shipped_2026_calendar(day, working):
    assert SHIPPED.is_working_day(day) is working


def test_demo_data_loads_the_same_calendar_into_the_database(demo):
    stored = load_calendar()
    assert stored.holidays == SHIPPED.holidays
    assert stored.makeup_workdays == SHIPPED.makeup_workdays
    assert len(stored.holidays) == 33 and len(stored.makeup_workdays) == 6


def test_calendar_from_a_generator_keeps_both_kinds():
    rows = ((date(2027, 1, 1), "holiday"), (date(2027, 1, 2), "workday"))
    calendar = calendar_from_days(row for row in rows)
    assert calendar.holidays == {date(2027, 1, 1)}
    assert calendar.makeup_workdays == {date(2027, 1, 2)}


@pytest.mark.parametrize(
    ("start", "count", "due"),
    [
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # over the National Day week
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # the make-up Saturday counts
        (date(2026, 9, 30), 4, date(2026, 10, 12)),
        (date(2026, 9, 18), 1, date(2026, 9, 20)),  # Friday -> make-up Sunday
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 2, 14), 1, date(2026, 2, 24)),  # over 春节
        (date(2026, 3, 6), 0, date(2026, 3, 6)),
    ],
)
def test_add_working_days(start, count, due):
    assert SHIPPED.add_working_days(start, count) == due


def test_working_time_stops_over_the_national_day_week():
    start = at(2026, 9, 30, 17, 0)
    assert SHIPPED.add_working_time(start, 24 * HOUR) == at(2026, 10, 8, 17, 0)
    assert SHIPPED.add_working_time(start, 7 * HOUR) == at(2026, 10, 1, 0, 0)
    assert SHIPPED.add_working_time(start, 7 * HOUR + timedelta(minutes=1)) == at(2026, 10, 8, 0, 1)


def test_working_time_runs_on_the_make_up_saturday():
    start = at(2026, 10, 9, 9, 30)  # Friday
    assert SHIPPED.add_working_time(start, 24 * HOUR) == at(2026, 10, 10, 9, 30)  # make-up Saturday
    assert SHIPPED.add_working_time(start, 48 * HOUR) == at(2026, 10, 12, 9, 30)  # Sunday skipped


def test_working_time_started_on_a_holiday_begins_on_the_next_working_day():
    assert SHIPPED.add_working_time(at(2026, 10, 3, 10, 0), 2 * HOUR) == at(2026, 10, 8, 2, 0)


def test_working_time_keeps_the_callers_timezone():
    start = datetime(2026, 9, 30, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
    due = SHIPPED.add_working_time(start, 24 * HOUR)
    assert due.tzinfo is UTC
    assert due == datetime(2026, 10, 8, 9, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        SHIPPED.add_working_time(datetime(2026, 9, 30, 17, 0), HOUR)
    with pytest.raises(ValueError, match="aware"):
        SHIPPED.working_time_between(datetime(2026, 9, 30), at(2026, 10, 9))


def test_working_time_between():
    assert SHIPPED.working_time_between(at(2026, 9, 30, 12, 0), at(2026, 10, 8, 12, 0)) == 24 * HOUR
    assert SHIPPED.working_time_between(at(2026, 10, 2, 0, 0), at(2026, 10, 6, 0, 0)) == timedelta()
    assert SHIPPED.working_time_between(at(2026, 10, 9, 0, 0), at(2026, 10, 12, 0, 0)) == 48 * HOUR
    assert SHIPPED.working_time_between(at(2026, 10, 9), at(2026, 10, 8)) == timedelta()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    start=st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 1), timezones=st.just(UTC)),
    minutes=st.integers(0, 20 * 24 * 60),
)
def test_working_time_between_inverts_add_working_time(start, minutes):
    amount = timedelta(minutes=minutes)
    due = SHIPPED.add_working_time(start, amount)
    assert due >= start
    assert SHIPPED.working_time_between(start, due) == amount


def test_saving_days_refuses_unknown_kinds(db):
    with pytest.raises(ValueError, match="holiday or workday"):
        save_calendar_days([(date(2027, 1, 1), "vacation", "元旦")])


def test_saved_days_update_in_place(db):
    save_calendar_days([(date(2027, 1, 1), "holiday", "元旦")])
    save_calendar_days([(date(2027, 1, 1), "workday", "调休")])
    db.session.flush()
    calendar = load_calendar()
    assert date(2027, 1, 1) in calendar.makeup_workdays
    assert date(2027, 1, 1) not in calendar.holidays
