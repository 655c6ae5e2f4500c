"""The jobs kernel's vocabulary: queues, job requests, retry policies, periodic work, deferred jobs."""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import IdMixin, UTCDateTime
from app.extensions import db

log = logging.getLogger(__name__)


NOTIFICATIONS = "notifications"


DEFAULT = "default"


SCHEDULED = "scheduled"


QUEUES = (NOTIFICATIONS, DEFAULT, SCHEDULED)


ALIVE_STATES = frozenset({"queued", "scheduled", "deferred", "started"})


JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")  # what RQ accepts


MAX_INLINE_CHAIN = 1000  # jobs one commit may set off inline, counting the jobs those jobs enqueue


_PENDING = "yimatong.jobs.pending"


_inline_backlog: contextvars.ContextVar[list | None] = contextvars.ContextVar("inline_backlog", default=None)


_process_app: dict[str, Flask] = {}


_app_factory: dict[str, Callable[[], Flask]] = {}


_redis_down_until: dict[str, float] = {}  # per Redis URL, in this process


@dataclass(frozen=True)
class RetryPolicy:
    """Try a failing job again up to ``max`` times, waiting ``intervals`` seconds in turn.

    Give one interval per retry: with fewer, RQ repeats the first interval for the early retries.
    """

    max: int
    intervals: tuple[int, ...] = (10, 60, 300)

    def delay_after(self, attempts: int) -> int | None:
        """Seconds to wait after ``attempts`` runs have failed, or None when no retry is left.

        Counted as RQ counts: the first run plus ``max`` retries, the intervals matched from the end.
        """
        retries_left = self.max - (attempts - 1)
        if retries_left < 1:
            return None
        if not self.intervals:
            return 0
        return int(self.intervals[max(len(self.intervals) - retries_left, 0)])


@dataclass(frozen=True)
class JobRequest:
    """A job asked for inside a transaction, handed over when it commits."""

    func: str
    args: tuple = ()
    queue: str = DEFAULT
    job_id: str | None = None
    run_at: datetime | None = None
    retry: RetryPolicy | None = None
    timeout: int | None = None
    result_ttl: int | None = None
    request_id: str | None = None  # of the request (or job) that asked: carried into the job's logs


@dataclass(frozen=True)
class Periodic:
    """Recurring work: ``func`` every ``every`` seconds (or the number in that config key)."""

    name: str
    func: str
    every: int | str
    queue: str = SCHEDULED
    timeout: int | None = None

    def interval(self, config) -> int:
        """The period in seconds under this configuration."""
        seconds = int(config[self.every]) if isinstance(self.every, str) else int(self.every)
        return max(1, seconds)


PERIODIC: dict[str, Periodic] = {}


WORKER_START: list[Callable[[], None]] = []


ERROR_LENGTH = 1000  # of a failed deferred job's last error


class DeferredJob(IdMixin, db.Model):
    """A job kept in the database when there is no Redis: due later, to be retried, or failed.

    ``flask rq tick`` (``run_due``) runs it once ``run_at`` has come. ``attempts`` counts the runs
    begun, ``retry_max``/``retry_intervals`` are its retry policy; while a tick runs it,
    ``locked_until`` is that tick's lease. A job that failed with no retry left keeps its row with
    ``failed_at`` and ``last_error`` and is not run again.
    """

    __tablename__ = "deferred_jobs"
    __table_args__ = (Index("ix_deferred_jobs_due", "failed_at", "run_at"),)

    job_id: Mapped[str] = mapped_column(String(200), unique=True)
    func: Mapped[str] = mapped_column(String(200))
    args: Mapped[list] = mapped_column(JSON, default=list)
    queue: Mapped[str] = mapped_column(String(30))
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retry_max: Mapped[int | None] = mapped_column(Integer)
    retry_intervals: Mapped[list | None] = mapped_column(JSON)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))


def describe_error(error: BaseException) -> str:
    """A failure as a failed job keeps it: the exception's class and message, truncated."""
    return f"{type(error).__qualname__}: {error}"[:ERROR_LENGTH]


def is_inline(app: Flask | None = None) -> bool:
    """Jobs run in-process after commit (no Redis, or JOBS_INLINE set)."""
    config = (app or current_app).config
    forced = config.get("JOBS_INLINE")
    return bool(forced) if forced is not None else not config.get("REDIS_URL")
