"""Deadlines on the clock and on the working-day calendar, across the 2026 National Day week."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.complaints.sla import SlaClass, dispatch_due, effective_class, feedback_due, reminder_at
from app.core.calendar import calendar_from_days, read_calendar_csv

SH = ZoneInfo("Asia/Shanghai")
CSV = Path(__file__).resolve().parents[2] / "app" / "core" / "data" / "calendar_cn_2026.csv"
CALENDAR = calendar_from_days([(day, kind) for day, kind, _name in read_calendar_csv(CSV)])


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.mark.parametrize(
    ("sla", "received", "due"),
    [
        (SlaClass.EMERGENCY, at(2026, 10, 1, 23, 30), at(2026, 10, 2, 0, 30)),  # clock hours, holiday or not
        (SlaClass.UTILITY, at(2026, 10, 3, 9, 0), at(2026, 10, 3, 11, 0)),
        (SlaClass.GENERAL, at(2026, 9, 30, 10, 0), at(2026, 10, 8, 10, 0)),  # the holiday week does not count
        (
            SlaClass.GENERAL,
            at(2026, 10, 9, 15, 0),
            at(2026, 10, 10, 15, 0),
        ),  # Saturday 10 Oct is a make-up day
        (SlaClass.GENERAL, at(2026, 11, 20, 18, 0), at(2026, 11, 23, 18, 0)),  # Friday -> Monday
    ],
)
def test_dispatch_deadlines(sla, received, due):
    assert dispatch_due(sla, received, CALENDAR) == due


def test_feedback_general_is_seven_working_days_from_dispatch():
    dispatched = at(2026, 9, 28, 9, 0)  # Monday
    # From 09:00 on 28 Sep: 28, 29, 30 Sep, (holiday 1-7 Oct), 8, 9, 10 (make-up Saturday),
    # (Sunday 11), 12 Oct, and the last hours up to 09:00 on 13 Oct: 7 x 24 working hours.
    assert feedback_due(SlaClass.GENERAL, dispatched, CALENDAR) == at(2026, 10, 13, 9, 0)


def test_feedback_complex_is_fifteen_working_days():
    dispatched = at(2026, 11, 2, 9, 0)
    assert feedback_due(SlaClass.COMPLEX, dispatched, CALENDAR) == at(2026, 11, 23, 9, 0)


def test_feedback_emergency_and_utility_on_the_clock():
    dispatched = at(2026, 10, 1, 8, 0)
    assert feedback_due(SlaClass.EMERGENCY, dispatched, CALENDAR) == at(2026, 10, 1, 10, 0)
    assert feedback_due(SlaClass.UTILITY, dispatched, CALENDAR) == at(2026, 10, 2, 8, 0)


def test_deadlines_keep_the_callers_timezone():
    received = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert dispatch_due(SlaClass.GENERAL, received, CALENDAR).tzinfo == UTC


def test_urgent_runs_on_the_emergency_clock():
    assert effective_class("general", urgent=True) is SlaClass.EMERGENCY
    assert effective_class("complex", urgent=False) is SlaClass.COMPLEX


def test_reminder_at_four_fifths_of_the_window():
    start = at(2026, 11, 2, 9, 0)
    assert reminder_at(start, start + timedelta(hours=10)) == start + timedelta(hours=8)
