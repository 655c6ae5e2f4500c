"""Deadlines as Beijing's 12345 rules set them, on the working-day calendar.

Emergencies and utility outages run on the clock (hours, day or night); general and complex
matters run on working time (time stops on weekends and public holidays, runs on make-up days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from app.core.calendar import WorkCalendar


class SlaClass(StrEnum):
    """How urgent a kind of matter is."""

    EMERGENCY = "emergency"
    UTILITY = "utility"
    GENERAL = "general"
    COMPLEX = "complex"


@dataclass(frozen=True)
class SlaPolicy:
    """The dispatch and feedback windows of one class, and whether they run on working time."""

    dispatch_within: timedelta
    feedback_within: timedelta
    working_time: bool


POLICIES = {
    SlaClass.EMERGENCY: SlaPolicy(timedelta(hours=1), timedelta(hours=2), working_time=False),
    SlaClass.UTILITY: SlaPolicy(timedelta(hours=2), timedelta(hours=24), working_time=False),
    SlaClass.GENERAL: SlaPolicy(timedelta(hours=24), timedelta(days=7), working_time=True),
    SlaClass.COMPLEX: SlaPolicy(timedelta(hours=24), timedelta(days=15), working_time=True),
}


def effective_class(category_class: str, urgent: bool) -> SlaClass:
    """An urgent complaint runs on the emergency clock whatever its category."""
    return SlaClass.EMERGENCY if urgent else SlaClass(category_class)


def _add(start: datetime, amount: timedelta, working_time: bool, calendar: WorkCalendar) -> datetime:
    return calendar.add_working_time(start, amount) if working_time else start + amount


def dispatch_due(sla: SlaClass, received_at: datetime, calendar: WorkCalendar) -> datetime:
    """When the hotline must have dispatched a complaint received at ``received_at``."""
    policy = POLICIES[sla]
    return _add(received_at, policy.dispatch_within, policy.working_time, calendar)


def feedback_due(sla: SlaClass, dispatched_at: datetime, calendar: WorkCalendar) -> datetime:
    """When the department must have answered the resident, counted from dispatch."""
    policy = POLICIES[sla]
    return _add(dispatched_at, policy.feedback_within, policy.working_time, calendar)


def reminder_at(start: datetime, due: datetime) -> datetime:
    """Remind the handler when four fifths of the window has passed."""
    return start + (due - start) * 4 / 5
