"""Working-day calendar: weekends off, public holidays and make-up working days (调休) as data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.core import refdata
from app.core.clock import utcnow
from app.core.models import CalendarDay
from app.extensions import db

CALENDAR = "calendar"
refdata.register(CALENDAR, CalendarDay)

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = timedelta(days=1)
KINDS = ("holiday", "workday")


@dataclass(frozen=True)
class WorkCalendar:
    """Decides working days and counts time that elapses only on them (Asia/Shanghai)."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_workdays: frozenset[date] = field(default_factory=frozenset)
    tz: ZoneInfo = SHANGHAI

    def is_working_day(self, day: date) -> bool:
        """A weekday that is not a holiday, or a weekend day declared a make-up working day."""
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        """The first working day on or after ``day``."""
        while not self.is_working_day(day):
            day += DAY
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """The date ``count`` working days after ``day`` (``day`` itself not counted)."""
        while count > 0:
            day += DAY
            if self.is_working_day(day):
                count -= 1
        return day

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment ``amount`` of working-day time after ``start`` (time stops on days off)."""
        local = _aware(start).astimezone(self.tz)
        remaining = amount
        cursor = local
        while True:
            day = cursor.date()
            day_end = datetime.combine(day + DAY, time(), self.tz)
            if self.is_working_day(day):
                available = day_end - cursor
                if remaining <= available:
                    return (cursor + remaining).astimezone(start.tzinfo)
                remaining -= available
            cursor = day_end

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much working-day time lies between two moments (zero if end <= start)."""
        total = timedelta()
        cursor = _aware(start).astimezone(self.tz)
        end_local = _aware(end).astimezone(self.tz)
        while cursor < end_local:
            day_end = datetime.combine(cursor.date() + DAY, time(), self.tz)
            segment_end = min(day_end, end_local)
            if self.is_working_day(cursor.date()):
                total += segment_end - cursor
            cursor = segment_end
        return total


def _aware(moment: datetime) -> datetime:
    """Refuse naive datetimes: their zone would silently be the server's."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("pass an aware datetime (naive ones would be read in the server's zone)")
    return moment


def calendar_from_days(days: Iterable[tuple[date, str]]) -> WorkCalendar:
    """Build a calendar from (date, kind) pairs, kind being ``holiday`` or ``workday``."""
    days = list(days)
    holidays = frozenset(d for d, kind in days if kind == "holiday")
    workdays = frozenset(d for d, kind in days if kind == "workday")
    return WorkCalendar(holidays=holidays, makeup_workdays=workdays)


def load_calendar() -> WorkCalendar:
    """The working-day calendar as the database holds it, kept by each process until it changes.

    Saving calendar days (``save_calendar_days``, the import) invalidates it in every process
    (``app.core.refdata``).
    """
    return refdata.cached(CALENDAR, _read_calendar)


def _read_calendar() -> WorkCalendar:
    return calendar_from_days(db.session.execute(db.select(CalendarDay.day, CalendarDay.kind)).all())


def save_calendar_days(days: Iterable[tuple[date, str, str]]) -> int:
    """Insert or update (date, kind, name) rows; returns how many were written."""
    refdata.changed(CALENDAR, db.session())
    count = 0
    for day, kind, name in days:
        if kind not in KINDS:
            raise ValueError(f"calendar kind must be holiday or workday, not {kind!r}")
        db.session.merge(CalendarDay(day=day, kind=kind, name=name))
        count += 1
    return count


def read_calendar_csv(path) -> list[tuple[date, str, str]]:
    """Parse a ``date,kind,name`` CSV of holidays and make-up working days; ValueError names the bad line."""
    import csv

    with open(path, encoding="utf-8-sig") as handle:  # -sig: spreadsheets often start with a BOM
        reader = csv.DictReader(handle)
        if not {"date", "kind", "name"} <= set(reader.fieldnames or ()):
            raise ValueError("the first line must name the columns date,kind,name")
        days = []
        for row in reader:
            try:
                day = date.fromisoformat((row["date"] or "").strip())
                kind = (row["kind"] or "").strip()
                if kind not in KINDS:
                    raise ValueError(f"kind must be holiday or workday, not {kind!r}")
            except ValueError as exc:
                raise ValueError(f"line {reader.line_num}: {exc}") from exc
            days.append((day, kind, (row["name"] or "").strip()))
        return days


def business_date(moment: datetime | None = None) -> date:
    """The Asia/Shanghai business day a moment (now by default) belongs to."""
    return (moment or utcnow()).astimezone(SHANGHAI).date()
