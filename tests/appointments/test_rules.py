"""The booking rules as pure decisions: window, cancellation deadline, quotas and growing no-show bans."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.appointments.rules import (
    BookingRules,
    Held,
    banned_until,
    booking_opens_at,
    cancel_deadline,
    quota_refusal,
)
from app.core.calendar import SHANGHAI

RULES = (
    BookingRules()
)  # 7 days ahead from 08:00; cancel until 15:00 the day before; 1/day, 3/week, 4 upcoming
DAY = date(2026, 12, 17)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (RULES, "2026-12-10T08:00"),
        (BookingRules(window_days=14, opens_at="09:30"), "2026-12-03T09:30"),
        (BookingRules(window_days=0, opens_at="00:00"), "2026-12-17T00:00"),
    ],
)
def test_a_day_opens_its_window_days_before_at_the_opening_time(rules, expected):
    assert booking_opens_at(rules, DAY) == local(expected)


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (RULES, "2026-12-16T15:00"),
        (BookingRules(cancel_days_before=0, cancel_until="08:30"), "2026-12-17T08:30"),
        (BookingRules(cancel_days_before=2, cancel_until="12:00"), "2026-12-15T12:00"),
    ],
)
def test_cancelling_is_possible_until_the_deadline(rules, expected):
    assert cancel_deadline(rules, DAY) == local(expected)


@pytest.mark.parametrize(
    ("held", "broken"),
    [
        (Held(0, 0, 0), None),
        (Held(1, 1, 1), "per_day"),
        (Held(0, 3, 3), "per_week"),
        (Held(0, 2, 4), "per_provider"),
        (Held(0, 2, 3), None),
    ],
)
def test_quotas_name_the_first_one_broken(held, broken):
    assert quota_refusal(RULES, held) == broken


NOW = local("2026-12-07T10:00")


@pytest.mark.parametrize(
    ("missed_days_ago", "banned_for_days"),
    [
        ([], None),
        ([10], 30),  # the first no-show: 30 days from it
        ([31], None),  # served
        ([50, 10], 60),  # the second: 60 days
        ([200, 100, 10], 90),  # the third: 90
        ([300, 250, 200, 100, 5], 90),  # and no more than the last step
        ([400, 10], 30),  # one outside the year's look-back does not count
    ],
)
def test_bans_grow_with_each_no_show_within_the_look_back(missed_days_ago, banned_for_days):
    missed = [NOW - timedelta(days=days) for days in missed_days_ago]
    until = banned_until(RULES, missed, NOW)
    if banned_for_days is None:
        assert until is None
    else:
        assert until == NOW - timedelta(days=min(missed_days_ago)) + timedelta(days=banned_for_days)


def test_rules_keep_what_a_provider_set_and_default_the_rest():
    rules = BookingRules.of({"window_days": 14, "noshow_bans": [7, 14], "unknown": 1})
    assert rules.window_days == 14 and rules.noshow_bans == (7, 14) and rules.per_day == 1
    assert BookingRules.of(rules.as_dict()) == rules
