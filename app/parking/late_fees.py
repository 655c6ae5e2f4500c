"""Late fees (滞纳金, 加处罚款) on unpaid parking stays and traffic fines, as pure functions.

One rule for both, counted in Asia/Shanghai days:

* a debt arises on a day (a stay's exit, a fine's filing) and may be paid without a late fee for
  ``grace_days`` days after it: the last day without a late fee is the arising day + ``grace_days``;
* each whole day after that adds ``daily_permille`` thousandths of the principal, rounded half up
  to the fen on the total;
* the late fee never exceeds ``cap_pct`` percent of the principal.

Traffic fines follow the law (《行政处罚法》 art. 67 and 72, 《道路交通安全法》 art. 109): fifteen
days to pay from the decision, then 3 % of the fine a day, at most the fine itself
(:data:`TRAFFIC_FINE`). A lot's operator may set a late fee on unpaid stays in its tariff
(``late_fee``; none by default); its grace is at least two days, so the driver's reminder of the
debt (a day after the exit) always comes before any late fee.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from app.core.calendar import SHANGHAI

MIN_PARKING_GRACE_DAYS = 2  # the debt reminder (PARKING_DEBT_REMINDER_HOURS, 24) comes first


class LateFeeInvalid(ValueError):
    """A late-fee rule's data breaks a rule; ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class LateFeeRule:
    """Days of grace, then a share of the principal a day, up to a cap."""

    grace_days: int
    daily_permille: int
    cap_pct: int = 100

    @classmethod
    def from_data(cls, data: Mapping, *, min_grace_days: int = MIN_PARKING_GRACE_DAYS) -> LateFeeRule:
        """A rule from a tariff's ``late_fee`` (LateFeeInvalid when a number is out of range)."""
        errors: dict[str, str] = {}
        limits = {"grace_days": (min_grace_days, 365), "daily_permille": (0, 100), "cap_pct": (0, 100)}
        values = {}
        for name, (low, high) in limits.items():
            value = data.get(name, 100 if name == "cap_pct" else None)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                errors[f"late_fee.{name}"] = f"a whole number from {low} to {high}"
            values[name] = value
        if errors:
            raise LateFeeInvalid(errors)
        return cls(**values)

    def to_data(self) -> dict:
        """The stored form."""
        return {"grace_days": self.grace_days, "daily_permille": self.daily_permille, "cap_pct": self.cap_pct}

    def last_free_day(self, arose_on: date) -> date:
        """The last day the debt can be paid without a late fee."""
        return arose_on + timedelta(days=self.grace_days)

    def days_late(self, arose_on: date, today: date) -> int:
        """Whole days after the last free day."""
        return max((today - self.last_free_day(arose_on)).days, 0)

    def fee_fen(self, principal_fen: int, arose_on: date, today: date) -> int:
        """The late fee due ``today`` on a debt of ``principal_fen`` that arose on ``arose_on``."""
        return self.fee_after(principal_fen, self.last_free_day(arose_on), today)

    def fee_after(self, principal_fen: int, last_free_day: date, today: date) -> int:
        """The late fee due ``today`` on ``principal_fen`` payable without one until ``last_free_day``."""
        days = max((today - last_free_day).days, 0)
        if not days or principal_fen <= 0:
            return 0
        exact = Decimal(principal_fen) * self.daily_permille * days / 1000
        cap = (Decimal(principal_fen) * self.cap_pct / 100).quantize(Decimal(1), ROUND_DOWN)
        return int(min(exact.quantize(Decimal(1), ROUND_HALF_UP), cap))


# 《行政处罚法》: fifteen days to pay; then 3 % of the fine a day, never more than the fine.
TRAFFIC_FINE = LateFeeRule(grace_days=15, daily_permille=30, cap_pct=100)


def local_day(moment: datetime) -> date:
    """The Asia/Shanghai day of an aware moment."""
    return moment.astimezone(SHANGHAI).date()
