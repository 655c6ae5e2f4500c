"""The tariff engine: what a stay costs under a lot's tariff, in Asia/Shanghai, as pure functions.

A tariff is data (``ParkingLot.tariff``)::

    {
      "unit_minutes": 30,              # a stay is charged in units; a started unit counts whole
      "free_minutes": 15,              # a stay of at most this long is free (the boundary included)
      "first_hour_fen": 600,           # optional: the first 60 minutes at one price
      "periods": [                     # every minute of the day in exactly one period
        {"start": "07:00", "end": "22:00", "unit_fen": 200},
        {"start": "22:00", "end": "07:00", "unit_fen": 50, "cap_fen": 1000}   # night, crossing midnight
      ],
      "daily_cap_fen": 4000,           # optional: at most this much per 24 hours from entry
      "new_energy_discount_pct": 50,   # optional: off the whole fee for new-energy (green) plates
      "late_fee": {"grace_days": 7, "daily_permille": 5, "cap_pct": 50}   # optional, see late_fees.py
    }

The rules, in order:

* a stay of at most ``free_minutes`` costs nothing; beyond them the whole stay is charged;
* the stay is cut into units from the entry time; a unit costs its period's ``unit_fen`` — the
  period being the one holding the unit's first minute (local time);
* with ``first_hour_fen`` the units starting in the first 60 minutes cost that amount together;
* a period's ``cap_fen`` bounds what one occurrence of it (one evening-to-morning night) costs;
* ``daily_cap_fen`` bounds each 24 hours counted from the entry (day 1, day 2, ...);
* units starting inside a pass (a monthly pass, a resident permit, possibly only some hours) are
  free;
* the new-energy discount comes off the total last, rounded half up to the fen.

A lot's tariff has versions, each taking effect at a moment (``ParkingTariffVersion``). A stay is
priced by the version in effect at its entry; one that crosses a change is cut there, and each part
is priced by its own version (its units counted from the part's start, its rates and period caps);
the free minutes are the entry version's and judge the whole stay, the first hour and the 24-hour
days of a daily cap are counted from the entry across the parts, and each part gets its version's
new-energy discount.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from app.core.calendar import SHANGHAI
from app.parking.late_fees import LateFeeInvalid, LateFeeRule

MINUTES_PER_DAY = 24 * 60
MAX_FEN_PER_UNIT = 100_000
MAX_STAY_DAYS = 366


class TariffInvalid(ValueError):
    """A tariff's data breaks a rule; ``errors`` maps each field to its messages (untranslated keys)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Period:
    """A part of the day (``end`` <= ``start`` crosses midnight) and what one unit in it costs."""

    start: time
    end: time
    unit_fen: int
    cap_fen: int | None = None

    def holds(self, moment: time) -> bool:
        """The local time of day lies in this period."""
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def occurrence(self, local: datetime) -> date:
        """Which occurrence of the period a local moment belongs to: the day it started on."""
        if self.start >= self.end and local.time() < self.end:
            return local.date() - timedelta(days=1)
        return local.date()


@dataclass(frozen=True)
class Pass:
    """A monthly pass or resident permit: free from ``valid_from`` to ``valid_until``, at its hours."""

    valid_from: date
    valid_until: date
    hours: tuple[time, time] | None = None  # (start, end) each day; None: all day

    def covers(self, local: datetime) -> bool:
        """The local moment is inside the pass."""
        if not self.valid_from <= local.date() <= self.valid_until:
            return False
        if self.hours is None:
            return True
        start, end = self.hours
        moment = local.time()
        return start <= moment < end if start < end else moment >= start or moment < end


@dataclass(frozen=True)
class Tariff:
    """A lot's prices, read from its data (see the module's documentation)."""

    periods: tuple[Period, ...]
    unit_minutes: int = 60
    free_minutes: int = 0
    first_hour_fen: int | None = None
    daily_cap_fen: int | None = None
    new_energy_discount_pct: int = 0
    late_fee: LateFeeRule | None = None  # on a stay left unpaid; none unless the operator sets one

    @classmethod
    def from_data(cls, data: Mapping) -> Tariff:
        """Build and check a tariff from its stored form (TariffInvalid when it breaks a rule)."""
        errors: dict[str, str] = {}
        periods = tuple(_period(item, index, errors) for index, item in enumerate(data.get("periods") or []))
        tariff = cls(
            periods=tuple(p for p in periods if p is not None),
            unit_minutes=_whole(data, "unit_minutes", 60, 1, MINUTES_PER_DAY, errors),
            free_minutes=_whole(data, "free_minutes", 0, 0, MINUTES_PER_DAY, errors),
            first_hour_fen=_optional(data, "first_hour_fen", errors),
            daily_cap_fen=_optional(data, "daily_cap_fen", errors),
            new_energy_discount_pct=_whole(data, "new_energy_discount_pct", 0, 0, 100, errors),
            late_fee=_late_fee(data.get("late_fee"), errors),
        )
        if not periods:
            errors["periods"] = "give at least one period"
        elif "periods" not in errors and not tariff._covers_the_day():
            errors["periods"] = "every minute of the day must be in exactly one period"
        if errors:
            raise TariffInvalid(errors)
        return tariff

    def to_data(self) -> dict:
        """The stored form."""
        data: dict = {
            "unit_minutes": self.unit_minutes,
            "free_minutes": self.free_minutes,
            "periods": [
                {"start": p.start.strftime("%H:%M"), "end": p.end.strftime("%H:%M"), "unit_fen": p.unit_fen}
                | ({"cap_fen": p.cap_fen} if p.cap_fen is not None else {})
                for p in self.periods
            ],
            "new_energy_discount_pct": self.new_energy_discount_pct,
        }
        for name in ("first_hour_fen", "daily_cap_fen"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if self.late_fee is not None:
            data["late_fee"] = self.late_fee.to_data()
        return data

    def _covers_the_day(self) -> bool:
        """The periods tile the day: each minute in exactly one (one crossing midnight is two pieces)."""
        pieces = []
        for period in self.periods:
            start = period.start.hour * 60 + period.start.minute
            end = period.end.hour * 60 + period.end.minute
            if start < end:
                pieces.append((start, end))
            else:
                pieces += [(start, MINUTES_PER_DAY), (0, end)]
        reached = 0
        for start, end in sorted(piece for piece in pieces if piece[0] != piece[1]):
            if start != reached:
                return False
            reached = end
        return reached == MINUTES_PER_DAY

    def period_at(self, moment: time) -> tuple[int, Period]:
        """The period (and its index) holding a local time of day."""
        return next((index, p) for index, p in enumerate(self.periods) if p.holds(moment))


@dataclass(frozen=True)
class Quote:
    """What a stay costs: the fee, before the discount, and how long it was."""

    fee_fen: int
    gross_fen: int
    minutes: int
    units: int
    free_units: int = 0
    capped: bool = False
    notes: tuple[str, ...] = field(default=())


@functools.lru_cache(maxsize=512)
def _parsed(canonical: str) -> Tariff:
    return Tariff.from_data(json.loads(canonical))


def tariff_of(data: Mapping) -> Tariff:
    """The tariff of stored data, read once per distinct tariff (lots share a few)."""
    return _parsed(json.dumps(data, sort_keys=True, separators=(",", ":")))


def price_stay(
    tariff: Tariff,
    entered_at: datetime,
    exited_at: datetime,
    *,
    new_energy: bool = False,
    passes: Iterable[Pass] = (),
    changes: Sequence[tuple[datetime, Tariff]] = (),
) -> Quote:
    """The fee of a stay from ``entered_at`` to ``exited_at`` (aware datetimes) under ``tariff``.

    ``changes`` are the lot's later tariff versions with the moment each takes effect: the last one in
    effect at the entry prices the stay instead of ``tariff``, and a stay crossing one is priced by
    each version for its part (:func:`_parts`).
    """
    if entered_at.tzinfo is None or exited_at.tzinfo is None:
        raise ValueError("price stays between aware datetimes")
    seconds = max((exited_at - entered_at).total_seconds(), 0)
    minutes = math.ceil(seconds / 60)
    entry = entered_at.astimezone(SHANGHAI)
    parts = _parts(
        tariff, entry, entry + timedelta(minutes=min(minutes, MAX_STAY_DAYS * MINUTES_PER_DAY)), changes
    )
    if minutes <= parts[0][0].free_minutes:
        return Quote(fee_fen=0, gross_fen=0, minutes=minutes, units=0, notes=("free_minutes",))
    minutes = min(minutes, MAX_STAY_DAYS * MINUTES_PER_DAY)
    walk = _Walk(entry, tuple(passes))
    for index, (version, start, end) in enumerate(parts):
        walk.part(index, version, start, end)
    discount = 0
    if new_energy:
        for (version, _, _), part_fen in zip(parts, walk.totals, strict=True):
            exact = Decimal(part_fen) * Decimal(version.new_energy_discount_pct) / Decimal(100)
            discount += int(exact.quantize(Decimal(1), ROUND_HALF_UP))
    gross = sum(walk.totals)
    return Quote(
        fee_fen=gross - discount,
        gross_fen=gross,
        minutes=minutes,
        units=walk.units,
        free_units=walk.free_units,
        capped=walk.capped,
        notes=("tariff_changed",) if len(parts) > 1 else (),
    )


def _parts(
    tariff: Tariff, entry: datetime, end: datetime, changes: Sequence[tuple[datetime, Tariff]]
) -> list[tuple[Tariff, datetime, datetime]]:
    """The stay cut at each change taking effect inside it: (version, from, until), in order."""
    version = tariff
    for moment, following in sorted(changes, key=lambda cut: cut[0]):
        if moment <= entry:
            version = following  # already in effect when the car came in
    cuts = [(moment.astimezone(SHANGHAI), version) for moment, version in changes if entry < moment < end]
    parts, start = [], entry
    for moment, following in sorted(cuts, key=lambda cut: cut[0]):
        parts.append((version, start, moment))
        version, start = following, moment
    parts.append((version, start, end))
    return parts


class _Walk:
    """The units of a stay, summed per part, applying passes, first hours, period caps and daily caps.

    Each part is cut into its version's units from the part's start (a started unit counts whole);
    a unit costs its version's rate for the period holding its first minute. The first hour, the
    free minutes' boundary and the 24-hour days of the daily cap are the stay's, counted from the
    entry: units starting in its first 60 minutes cost one ``first_hour_fen`` together (the first
    version that has one), and
    a version's daily cap bounds the day including what earlier parts spent in it. A period's cap
    bounds one occurrence of it under one version.
    """

    def __init__(self, entry: datetime, passes: tuple[Pass, ...]):
        self.entry, self.passes = entry, passes
        self.spent_by_day: dict[int, int] = {}
        self.spent_by_occurrence: dict[tuple[int, int, date], int] = {}
        self.totals: list[int] = []
        self.units = self.free_units = 0
        self.capped = self.first_hour_charged = False

    def part(self, index: int, tariff: Tariff, start: datetime, end: datetime) -> None:
        """Add the units of one part, priced by its version."""
        minutes = math.ceil((end - start).total_seconds() / 60)
        total = 0
        for unit in range(math.ceil(minutes / tariff.unit_minutes)):
            local = start + timedelta(minutes=unit * tariff.unit_minutes)
            offset = int((local - self.entry).total_seconds() // 60)
            self.units += 1
            if any(item.covers(local) for item in self.passes):
                self.free_units += 1
                continue
            if tariff.first_hour_fen is not None and offset < 60:
                cost = 0 if self.first_hour_charged else tariff.first_hour_fen
                self.first_hour_charged = True
            else:
                cost = self._period_cost(index, tariff, local)
            day = offset // MINUTES_PER_DAY
            if tariff.daily_cap_fen is not None:
                room = max(tariff.daily_cap_fen - self.spent_by_day.get(day, 0), 0)
                self.capped |= cost > room
                cost = min(cost, room)
            self.spent_by_day[day] = self.spent_by_day.get(day, 0) + cost
            total += cost
        self.totals.append(total)

    def _period_cost(self, index: int, tariff: Tariff, local: datetime) -> int:
        period_index, period = tariff.period_at(local.time())
        cost = period.unit_fen
        if period.cap_fen is not None:
            key = (index, period_index, period.occurrence(local))
            room = max(period.cap_fen - self.spent_by_occurrence.get(key, 0), 0)
            self.capped |= cost > room
            cost = min(cost, room)
            self.spent_by_occurrence[key] = self.spent_by_occurrence.get(key, 0) + cost
        return cost


# --- reading the stored form ------------------------------------------------------------------------


def _clock(text, key: str, errors: dict) -> time | None:
    try:
        hours, minutes = str(text).split(":")
        if hours == "24" and minutes == "00":
            return time(0, 0)
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        errors[key] = "give a time of day as HH:MM"
        return None


def _period(item, index: int, errors: dict) -> Period | None:
    key = f"periods.{index}"
    if not isinstance(item, Mapping):
        errors[key] = "each period is an object"
        return None
    start, end = _clock(item.get("start"), key, errors), _clock(item.get("end"), key, errors)
    unit_fen = _whole(item, "unit_fen", None, 0, MAX_FEN_PER_UNIT, errors, prefix=key)
    cap = _optional(item, "cap_fen", errors, prefix=key)
    if start is None or end is None or unit_fen is None:
        return None
    return Period(start, end, unit_fen, cap)


def _whole(data, name, default, low, high, errors, prefix="") -> int | None:
    value = data.get(name, default)
    if value is None and default is None:
        errors[f"{prefix}.{name}" if prefix else name] = "required"
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        errors[f"{prefix}.{name}" if prefix else name] = f"a whole number from {low} to {high}"
        return default
    return value


def _late_fee(data, errors: dict) -> LateFeeRule | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        errors["late_fee"] = "an object: grace_days, daily_permille, cap_pct"
        return None
    try:
        return LateFeeRule.from_data(data)
    except LateFeeInvalid as invalid:
        errors.update(invalid.errors)
        return None


def _optional(data, name, errors, prefix="") -> int | None:
    if data.get(name) is None:
        return None
    return _whole(data, name, None, 0, 10**9, errors, prefix)
