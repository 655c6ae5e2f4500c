"""A provider's booking rules, as data, and the pure decisions made from them.

As the real platforms apply them (Beijing's 114 booking rules among others): real-name booking;
a booking window (a day's slots open ``window_days`` before, at ``opens_at``); quotas per resident
(bookings on one day, in one week, and upcoming at the provider); cancellation until a deadline
(``cancel_days_before`` days before, at ``cancel_until``); and no-show bans that grow (the first
no-show within the look-back suspends booking for 30 days, the second 60, the third and later 90).
Every time is read in Asia/Shanghai.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from app.core.calendar import SHANGHAI


@dataclass(frozen=True)
class BookingRules:
    """What one provider requires of a booking."""

    real_name: bool = True
    window_days: int = 7
    opens_at: str = "08:00"
    cancel_days_before: int = 1
    cancel_until: str = "15:00"
    per_day: int = 1
    per_week: int = 3
    per_provider: int = 4
    hold_minutes: int = 15
    noshow_bans: tuple[int, ...] = field(default=(30, 60, 90))
    noshow_lookback_days: int = 365

    @classmethod
    def of(cls, data: dict | None) -> BookingRules:
        """The rules a provider stored (defaults for what it left out)."""
        data = dict(data or {})
        if "noshow_bans" in data:
            data["noshow_bans"] = tuple(data["noshow_bans"])
        return cls(**{key: value for key, value in data.items() if key in cls.__dataclass_fields__})

    def as_dict(self) -> dict:
        """JSON-able, for the provider's row."""
        data = asdict(self)
        data["noshow_bans"] = list(self.noshow_bans)
        return data


@dataclass(frozen=True)
class Held:
    """What a resident already holds, counted for the quotas of one booking."""

    on_day: int
    in_week: int
    upcoming_at_provider: int


def _at(day: date, clock_time: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock_time), SHANGHAI)


def booking_opens_at(rules: BookingRules, day: date) -> datetime:
    """When slots of ``day`` open for booking."""
    return _at(day - timedelta(days=rules.window_days), rules.opens_at)


def cancel_deadline(rules: BookingRules, day: date) -> datetime:
    """Until when a booking for ``day`` may be cancelled without counting."""
    return _at(day - timedelta(days=rules.cancel_days_before), rules.cancel_until)


def week_of(day: date) -> tuple[date, date]:
    """The Monday and the next Monday of ``day``'s week."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=7)


def quota_refusal(rules: BookingRules, held: Held) -> str | None:
    """Which quota one more booking would break (``per_day``, ``per_week``, ``per_provider``), or None."""
    if held.on_day >= rules.per_day:
        return "per_day"
    if held.in_week >= rules.per_week:
        return "per_week"
    if held.upcoming_at_provider >= rules.per_provider:
        return "per_provider"
    return None


def banned_until(rules: BookingRules, noshows: Iterable[datetime], now: datetime) -> datetime | None:
    """When a ban for the resident's no-shows within the look-back ends, if it has not yet."""
    since = now - timedelta(days=rules.noshow_lookback_days)
    recent = sorted(moment for moment in noshows if moment >= since)
    if not recent or not rules.noshow_bans:
        return None
    days = rules.noshow_bans[min(len(recent), len(rules.noshow_bans)) - 1]
    until = recent[-1] + timedelta(days=days)
    return until if until > now else None
