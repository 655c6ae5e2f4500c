"""Periodic work and workers: RQ workers with the scheduler, and the tick of a machine without Redis."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from flask import Flask, current_app
from sqlalchemy.orm import configure_mappers

from app.core.jobs._shared import PERIODIC, QUEUES, WORKER_START, DeferredJob, JobRequest, is_inline, log
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


def run_due(now: datetime | None = None, *, periodic_names: Iterable[str] = ()) -> int:
    """Without Redis: run deferred jobs that are due and the named periodic jobs; returns how many ran."""
    moment = now or utcnow()
    ran = 0
    for name in periodic_names:
        _run_quietly(PERIODIC[name].func, [])
        ran += 1
    while True:
        stmt = db.select(DeferredJob).where(DeferredJob.run_at <= moment).order_by(DeferredJob.run_at)
        due = db.session.scalars(stmt.limit(100).with_for_update(skip_locked=True)).all()
        if not due:
            end_reading()  # hold no transaction (on SQLite: the write lock) while the caller waits
            return ran
        batch = [(job.func, list(job.args)) for job in due]
        for job in due:
            db.session.delete(job)
        checkpoint()
        for func, args in batch:
            _run_quietly(func, args)
            ran += 1


def _run_quietly(func: str, args: list) -> None:
    try:
        execute(func, args)
    except Exception:  # noqa: BLE001 - one failing job does not stop the others
        log.exception("job %s%s failed", func, args)


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
