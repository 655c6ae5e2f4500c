"""Periodic work and workers: RQ workers with the scheduler, and the tick of a machine without Redis."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import or_
from sqlalchemy.orm import configure_mappers

from app.core.jobs._shared import (
    PERIODIC,
    QUEUES,
    WORKER_START,
    DeferredJob,
    JobRequest,
    RetryPolicy,
    describe_error,
    is_inline,
    log,
)
from app.core.jobs.failed import purge_expired_deferred
from app.core.jobs.handover import submit
from app.core.jobs.running import _redis, _resolve, bind_process_app, execute
from app.core.models import utcnow
from app.core.uow import checkpoint, end_reading
from app.extensions import db


def run_periodic(name: str) -> None:
    """The job behind every periodic registration: schedule the next run, then do this one."""
    entry = PERIODIC[name]
    if not is_inline():
        schedule_periodic(_redis(current_app), current_app.config, names=[name])
    _resolve(entry.func)()


def schedule_periodic(connection, config, *, now: datetime | None = None, names=None, run_now=False) -> None:
    """Make sure each periodic job's next run is scheduled on RQ (safe from any number of workers).

    Runs get ids made of the name and the slot's start, so however many workers ask, each slot runs once.
    ``run_now`` also runs each job at once (once per slot): a starting worker catches up.
    """
    moment = (now or utcnow()).timestamp()
    for name in list(PERIODIC) if names is None else names:
        entry = PERIODIC[name]
        every = entry.interval(config)
        current = int(moment // every) * every
        request = JobRequest(
            "app.core.jobs.run_periodic",
            (name,),
            entry.queue,
            timeout=entry.timeout,
            result_ttl=max(2 * every, 60),
        )
        if run_now:
            submit(connection, config, replace(request, job_id=periodic_job_id(name, current, "start")))
        nxt = current + every
        at = datetime.fromtimestamp(nxt, UTC)
        submit(connection, config, replace(request, job_id=periodic_job_id(name, nxt), run_at=at))


def periodic_job_id(name: str, slot: int, kind: str = "run") -> str:
    """RQ job id of a periodic job's run in the slot starting at ``slot`` (epoch seconds)."""
    return f"periodic-{kind}-{re.sub(r'[^A-Za-z0-9_-]', '_', name)}-{slot}"


@dataclass(frozen=True)
class DueRun:
    """What one ``run_due`` did: the jobs it ran (periodic and deferred), and how many of them failed."""

    ran: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Claimed:
    id: uuid.UUID
    func: str
    args: list
    attempts: int
    retry: RetryPolicy | None
    lease: datetime


def run_due(now: datetime | None = None, *, periodic_names: Iterable[str] = ()) -> DueRun:
    """Without Redis: run the named periodic jobs and the deferred jobs due at ``now``.

    Each due row is claimed on its own: ``SELECT ... FOR UPDATE SKIP LOCKED`` (on PostgreSQL; SQLite
    has one writer at a time) and, in the same commit, a lease (``locked_until``,
    ``JOBS_DEFERRED_LEASE_SECONDS`` on the clock) and one more attempt. Only then does the job run,
    in its own unit of work. A job that succeeds has its row deleted; one that fails keeps it, due
    again after its retry policy's next interval (counted from ``now`` if given, else from the
    failure), or kept as failed (``failed_at``, ``last_error``) once no retry is left, and never run
    again. Any number of ticks may run at once: a row under a live lease is left alone, so a job
    runs once per due time.

    The guarantee is at least once, not exactly once: if the process dies while a job runs (or a job
    outlives its lease), its row stays and the job runs again once the lease has expired. So a job
    is never lost, and a job that succeeds is not run again unless that happened; as on RQ, a job
    must be safe to run twice.
    """
    moment = now or utcnow()
    purge_expired_deferred()  # failed rows past JOBS_FAILURE_TTL, as RQ's registry lets them go
    checkpoint()  # committed before any job runs (on SQLite the DELETE holds the write lock)
    ran = failed = 0
    for name in periodic_names:
        ran += 1
        failed += _run_quietly(PERIODIC[name].func, []) is not None
    while (job := _claim(moment)) is not None:
        ran += 1
        error = _run_quietly(job.func, job.args)
        if error is None:
            _forget(job)
        else:
            failed += 1
            _record_failure(job, error, moment if now is not None else utcnow())
    end_reading()  # hold no transaction (on SQLite: the write lock) while the caller waits
    if failed:
        log.warning("ran %d due job(s), %d failed", ran, failed)
    elif ran:
        log.info("ran %d due job(s)", ran)
    return DueRun(ran, failed)


_UNSYNCED = {"synchronize_session": False}  # the tick loads no row objects into its session


def _claim(moment: datetime) -> _Claimed | None:
    """The next due job, leased to this tick (committed before it runs), or None."""
    clock_now = utcnow()
    stmt = (
        db.select(
            DeferredJob.id,
            DeferredJob.func,
            DeferredJob.args,
            DeferredJob.attempts,
            DeferredJob.retry_max,
            DeferredJob.retry_intervals,
        )
        .where(
            DeferredJob.failed_at.is_(None),
            DeferredJob.run_at <= moment,
            or_(DeferredJob.locked_until.is_(None), DeferredJob.locked_until <= clock_now),
        )
        .order_by(DeferredJob.run_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    row = db.session.execute(stmt).first()
    if row is None:
        return None
    lease = clock_now + timedelta(seconds=current_app.config["JOBS_DEFERRED_LEASE_SECONDS"])
    retry = None if row.retry_max is None else RetryPolicy(row.retry_max, tuple(row.retry_intervals or ()))
    job = _Claimed(row.id, row.func, list(row.args), row.attempts + 1, retry, lease)
    claim = (
        db.update(DeferredJob)
        .where(DeferredJob.id == job.id)
        .values(locked_until=lease, attempts=job.attempts)
    )
    db.session.execute(claim, execution_options=_UNSYNCED)
    checkpoint()
    return job


def _held(job: _Claimed):
    """The row, while it is still this tick's (no other tick took it over after the lease expired)."""
    return (DeferredJob.id == job.id) & (DeferredJob.locked_until == job.lease)


def _forget(job: _Claimed) -> None:
    db.session.execute(db.delete(DeferredJob).where(_held(job)), execution_options=_UNSYNCED)
    checkpoint()


def _record_failure(job: _Claimed, error: Exception, at: datetime) -> None:
    delay = job.retry.delay_after(job.attempts) if job.retry else None
    if delay is None:
        values = {"failed_at": utcnow(), "last_error": describe_error(error)}
        log.error(
            "job %s%s failed for good after %d attempt(s); kept as failed", job.func, job.args, job.attempts
        )
    else:
        values = {"run_at": at + timedelta(seconds=delay), "last_error": describe_error(error)}
    stmt = db.update(DeferredJob).where(_held(job)).values(locked_until=None, **values)
    db.session.execute(stmt, execution_options=_UNSYNCED)
    checkpoint()


def _run_quietly(func: str, args: list) -> Exception | None:
    """Run one job; the exception it failed with, or None when it succeeded."""
    try:
        execute(func, args)
    except Exception as error:  # noqa: BLE001 - one failing job does not stop the others
        log.exception("job %s%s failed", func, args)
        return error
    return None


@dataclass
class WorkerOptions:
    """How ``flask rq worker`` runs."""

    queues: tuple[str, ...] = QUEUES
    burst: bool = False
    with_scheduler: bool = True
    name: str | None = None
    max_jobs: int | None = None
    fork: bool = True  # a work horse per job (isolation); False runs jobs in the worker (faster)


def run_worker(app: Flask, options: WorkerOptions) -> bool:
    """Run an RQ worker for ``app``: JSON jobs, app context per job, engine disposed after fork."""
    import redis
    from rq.serializers import JSONSerializer

    if not app.config.get("REDIS_URL"):
        raise RuntimeError("the worker needs REDIS_URL; without Redis jobs run inline (see `flask rq tick`)")
    app.config["JOBS_INLINE"] = False
    bind_process_app(app)
    with app.app_context():
        configure_mappers()  # once here, not in every work horse
        for warm_up in WORKER_START:
            warm_up()
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    periodic_here = [name for name, entry in PERIODIC.items() if entry.queue in options.queues]
    schedule_periodic(connection, app.config, names=periodic_here, run_now=True)
    worker = _worker_class(options.fork)(
        list(options.queues),
        connection=connection,
        serializer=JSONSerializer,
        name=options.name,
        maintenance_interval=app.config["JOBS_MAINTENANCE_SECONDS"],
    )
    worker.app_config = app.config
    worker.periodic_names = periodic_here
    return worker.work(burst=options.burst, with_scheduler=options.with_scheduler, max_jobs=options.max_jobs)


def _worker_class(fork: bool):
    from redis.exceptions import RedisError
    from rq import SimpleWorker, Worker

    class AppWorker(Worker if fork else SimpleWorker):
        """RQ's worker that also keeps periodic work scheduled during maintenance."""

        app_config: dict = {}
        periodic_names: list[str] = []

        @property
        def dequeue_timeout(self) -> int:
            # RQ waits for a job up to worker_ttl - 15 s (405 s) before its maintenance, and only
            # maintenance takes over the scheduler of a worker that died: an idle worker would leave
            # retries, jobs due later and periodic sweeps stopped for minutes. Wait no longer than
            # the maintenance interval.
            return max(1, min(super().dequeue_timeout, int(self.maintenance_interval)))

        def run_maintenance_tasks(self):
            super().run_maintenance_tasks()
            if not self.periodic_names:
                return
            try:
                schedule_periodic(self.connection, self.app_config, names=self.periodic_names)
            except RedisError:
                log.warning("could not schedule periodic jobs; will try again at the next maintenance")

    return AppWorker
