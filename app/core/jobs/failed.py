"""Failed jobs, for an operator: seen, run again, or let go — on RQ and without Redis alike.

A job that failed with no retry left is kept: on RQ in each queue's failed-job registry (for
``JOBS_FAILURE_TTL``), without Redis as a ``deferred_jobs`` row with ``failed_at`` and
``last_error``, purged by the tick after the same ``JOBS_FAILURE_TTL``. ``flask rq failed`` lists
them; ``--retry`` puts jobs back, due at once (``flask rq tick`` or a worker runs them, each with its
retry policy afresh); ``--purge`` deletes those failed longer ago than a number of days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app

from app.core.jobs._shared import QUEUES, DeferredJob, is_inline
from app.core.jobs.running import _redis
from app.core.models import utcnow
from app.extensions import db


@dataclass(frozen=True, slots=True)
class FailedJob:
    """One job that failed with no retry left."""

    job_id: str
    func: str
    args: list
    queue: str
    failed_at: datetime | None
    error: str


def failed_jobs(limit: int = 100) -> list[FailedJob]:
    """The failed jobs, most recent first (at most ``limit``)."""
    if is_inline():
        rows = db.session.scalars(
            db.select(DeferredJob)
            .where(DeferredJob.failed_at.is_not(None))
            .order_by(DeferredJob.failed_at.desc(), DeferredJob.id.desc())
            .limit(limit)
        )
        return [
            FailedJob(
                row.job_id, row.func, list(row.args or ()), row.queue, row.failed_at, row.last_error or ""
            )
            for row in rows
        ]
    found = [_from_rq(job, name) for name, job in _rq_failed()]
    found.sort(key=lambda job: job.failed_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return found[:limit]


def retry_failed(job_ids: Iterable[str] | None = None) -> int:
    """Put the named failed jobs (all of them with None) back, due now; how many were."""
    wanted = None if job_ids is None else set(job_ids)
    if is_inline():
        stmt = db.update(DeferredJob).where(DeferredJob.failed_at.is_not(None))
        if wanted is not None:
            stmt = stmt.where(DeferredJob.job_id.in_(sorted(wanted)))
        # Its retry policy starts over; the last error stays until it succeeds (then the row goes).
        stmt = stmt.values(failed_at=None, run_at=utcnow(), attempts=0, locked_until=None)
        return db.session.execute(stmt, execution_options={"synchronize_session": False}).rowcount
    count = 0
    for name, job in _rq_failed():
        if wanted is None or job.id in wanted:
            _registry(name).requeue(job)
            count += 1
    return count


def purge_failed(older_than: timedelta) -> int:
    """Delete the jobs that failed longer than ``older_than`` ago; how many were."""
    cutoff = utcnow() - older_than
    if is_inline():
        stmt = db.delete(DeferredJob).where(
            DeferredJob.failed_at.is_not(None), DeferredJob.failed_at < cutoff
        )
        return db.session.execute(stmt, execution_options={"synchronize_session": False}).rowcount
    count = 0
    for name, job in _rq_failed():
        ended = _aware(job.ended_at)
        if ended is not None and ended < cutoff:
            _registry(name).remove(job, delete_job=True)
            count += 1
    return count


def purge_expired_deferred() -> int:
    """Without Redis: the failed rows older than ``JOBS_FAILURE_TTL``, deleted as RQ lets them expire."""
    return purge_failed(timedelta(seconds=current_app.config["JOBS_FAILURE_TTL"]))


def _registry(queue_name: str):
    from rq import Queue
    from rq.serializers import JSONSerializer

    queue = Queue(queue_name, connection=_redis(current_app), serializer=JSONSerializer)
    return queue.failed_job_registry


def _rq_failed():
    from rq.job import Job
    from rq.serializers import JSONSerializer

    connection = _redis(current_app)
    for name in QUEUES:
        ids = _registry(name).get_job_ids()
        for job in Job.fetch_many(ids, connection=connection, serializer=JSONSerializer):
            if job is not None:
                yield name, job


def _from_rq(job, queue_name: str) -> FailedJob:
    try:
        func, args = job.description or job.func_name, list(job.args)
    except Exception:  # noqa: BLE001 - a job whose payload no longer loads is still listed
        func, args = job.description or "?", []
    if len(args) == 2 and args[0] == func and isinstance(args[1], list):
        args = args[1]  # the job's own function and arguments, as the kernel's runner was given them
    result = job.latest_result()
    trace = (getattr(result, "exc_string", None) or "").strip().splitlines()
    return FailedJob(job.id, func, args, queue_name, _aware(job.ended_at), trace[-1] if trace else "")


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
