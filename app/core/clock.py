"""The one clock: aware UTC now, which tests (and only tests) may freeze or move.

Every business rule reads time through :func:`utcnow` (``app.core.models.utcnow`` is the same
function), so a test of a deadline, a booking window or an escalation ladder freezes the clock once
with :func:`frozen` instead of patching each module that reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_override: list[datetime] = []


def utcnow() -> datetime:
    """Aware UTC now (or the frozen moment)."""
    return _override[-1] if _override else datetime.now(UTC)


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Hold the clock at ``at`` (an aware datetime) inside the block, for every thread."""
    if at.tzinfo is None:
        raise ValueError("freeze the clock at an aware datetime")
    _override.append(at.astimezone(UTC))
    try:
        yield
    finally:
        _override.pop()


def set_to(at: datetime) -> None:
    """Move a frozen clock to ``at``."""
    if not _override:
        raise RuntimeError("the clock is not frozen")
    _override[-1] = at.astimezone(UTC)


def advance(delta: timedelta) -> None:
    """Move a frozen clock on by ``delta``."""
    if not _override:
        raise RuntimeError("the clock is not frozen")
    _override[-1] = _override[-1] + delta
