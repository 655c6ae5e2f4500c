"""Jobs the job-machinery tests enqueue: they leave traces a test can look for."""

import time

from flask import current_app, g

from app.extensions import get_redis

CALLS: list[tuple] = []

RUNS: dict[str, int] = {}


def record(*args) -> None:
    """Remember the call and what its app context's ``g`` already held."""
    CALLS.append((args, sorted(g)))
    g.job_was_here = True


def enqueue_follow_up(value: str) -> None:
    """A job that enqueues another job (run after it, not inside it)."""
    from app.core import jobs

    CALLS.append((("outer", value), None))
    jobs.enqueue(record, "inner", value)


def explode() -> None:
    """A job that always fails."""
    raise RuntimeError("boom")


def fail_times(key: str, times: int) -> None:
    """Fail the first ``times`` runs under ``key``, then succeed (runs counted in this process)."""
    RUNS[key] = RUNS.get(key, 0) + 1
    CALLS.append(((key, RUNS[key]), None))
    if RUNS[key] <= times:
        raise RuntimeError(f"run {RUNS[key]} of {key} fails")


def slow_record(*args) -> None:
    """Remember the call after a moment's work (so that jobs run by two ticks overlap)."""
    time.sleep(0.005)
    CALLS.append((args, None))


def mark(key: str) -> None:
    """Count a run in Redis (for jobs run by a worker process)."""
    get_redis().incr(key)


def flaky(key: str) -> None:
    """Fail on the first run, succeed on the next (counted in Redis)."""
    if get_redis().incr(key) == 1:
        raise RuntimeError("first run fails")


def config_value(key: str, name: str) -> None:
    """Store a config value of the worker's app in Redis."""
    get_redis().set(key, str(current_app.config[name]))


def request_id(tag: str) -> None:
    """Remember the request id this job's log lines carry (and enqueue a follow-up that should too)."""
    from app.core import jobs, logs

    CALLS.append(((tag, logs.current_request_id()), None))
    if tag == "first":
        jobs.enqueue(request_id, "follow-up")
