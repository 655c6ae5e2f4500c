"""The API every domain uses: enqueue (now, at, in), periodic work, worker start-up hooks, job status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app

from app.core.jobs._shared import (
    ALIVE_STATES,
    DEFAULT,
    PERIODIC,
    SCHEDULED,
    WORKER_START,
    JobRequest,
    Periodic,
    RetryPolicy,
    is_inline,
)
from app.core.jobs.handover import _request
from app.core.jobs.running import _func_path, _json_args, _redis
from app.core.models import utcnow


def enqueue(
    func: Callable | str,
    *args: Any,
    queue: str = DEFAULT,
    job_id: str | None = None,
    retry: RetryPolicy | None = None,
    timeout: int | None = None,
) -> None:
    """Run ``func(*args)`` in the background once the current transaction commits."""
    _request(JobRequest(_func_path(func), _json_args(args), queue, job_id, None, retry, timeout))


def enqueue_at(
    when: datetime,
    func: Callable | str,
    *args: Any,
    queue: str = DEFAULT,
    job_id: str | None = None,
    retry: RetryPolicy | None = None,
    timeout: int | None = None,
) -> None:
    """Run ``func(*args)`` at ``when`` (aware datetime), once the current transaction commits."""
    if when.tzinfo is None:
        raise ValueError("enqueue_at needs an aware datetime")
    _request(
        JobRequest(_func_path(func), _json_args(args), queue, job_id, when.astimezone(UTC), retry, timeout)
    )


def enqueue_in(delay: timedelta, func: Callable | str, *args: Any, **options: Any) -> None:
    """Run ``func(*args)`` after ``delay``, once the current transaction commits."""
    enqueue_at(utcnow() + delay, func, *args, **options)


def periodic(
    every: int | str, *, queue: str = SCHEDULED, name: str | None = None, timeout: int | None = None
):
    """Register the decorated function to run every ``every`` seconds (or a config key naming them)."""

    def decorator(func: Callable) -> Callable:
        path = _func_path(func)
        PERIODIC[name or path] = Periodic(name or path, path, every, queue, timeout)
        return func

    return decorator


def on_worker_start(func: Callable[[], None]) -> Callable[[], None]:
    """Run ``func`` in each worker before it forks work horses (load what every job needs once)."""
    WORKER_START.append(func)
    return func


def job_status(job_id: str) -> str | None:
    """RQ's status of a job (queued, scheduled, started, finished, failed, ...); None if unknown."""
    job = _fetch(job_id)
    if job is None:
        return None
    status = job.get_status(refresh=False)
    return getattr(status, "value", status)


def job_alive(job_id: str, *, started_within: timedelta | None = None) -> bool:
    """Whether the job is still on its way: queued, scheduled or deferred, or started and running.

    A worker killed outright (SIGKILL, a machine gone) leaves its job ``started`` in Redis until RQ's
    registry cleanup, a minute or more later. A caller whose job acts at once when it starts (claims
    a row, say) passes ``started_within``: a job started longer ago than that which has left no sign
    of it is taken for dead. False without Redis (nothing is ever on its way there).
    """
    job = _fetch(job_id)
    if job is None:
        return False
    status = job.get_status(refresh=False)
    status = getattr(status, "value", status)
    if status != "started" or started_within is None or job.started_at is None:
        return status in ALIVE_STATES
    started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=UTC)
    return utcnow() - started < started_within


def _fetch(job_id: str):
    if is_inline():
        return None
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from rq.serializers import JSONSerializer

    try:
        return Job.fetch(job_id, connection=_redis(current_app), serializer=JSONSerializer)
    except NoSuchJobError:
        return None
