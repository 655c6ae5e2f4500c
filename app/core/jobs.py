"""One way to run work in the background: after commit, on RQ, or inline without Redis.

Every domain calls ``enqueue`` / ``enqueue_at`` / ``enqueue_in`` with a module-level function (or its
dotted path) and JSON arguments (ids as strings), and registers recurring work with ``@periodic``.
Nothing leaves before the caller's transaction commits: requests wait in the session and are
handed over in SQLAlchemy's ``after_commit`` event; a rollback discards them. With ``REDIS_URL``
they go to RQ (named queues, JSON serializer, job ids for dedupe, retries with backoff, failure
TTL); without it (``JOBS_INLINE``) each job runs right after the commit, in its own app context,
through the same ``execute`` a worker uses. ``flask rq worker`` runs the workers; ``flask rq tick``
runs periodic and deferred work on a machine without Redis.
"""

from __future__ import annotations

import contextvars
import importlib
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import JSON, String, event
from sqlalchemy.orm import Mapped, Session, configure_mappers, mapped_column

from app.core.models import IdMixin, UTCDateTime, utcnow
from app.core.uow import checkpoint, end_reading, unit_of_work
from app.extensions import db, redis_connection

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


class DeferredJob(IdMixin, db.Model):
    """A job due later, kept in the database when there is no Redis (``flask rq tick`` runs it)."""

    __tablename__ = "deferred_jobs"

    job_id: Mapped[str] = mapped_column(String(200), unique=True)
    func: Mapped[str] = mapped_column(String(200))
    args: Mapped[list] = mapped_column(JSON, default=list)
    queue: Mapped[str] = mapped_column(String(30))
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


# ---------------------------------------------------------------- the API every domain uses


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


def is_inline(app: Flask | None = None) -> bool:
    """Jobs run in-process after commit (no Redis, or JOBS_INLINE set)."""
    config = (app or current_app).config
    forced = config.get("JOBS_INLINE")
    return bool(forced) if forced is not None else not config.get("REDIS_URL")


def job_status(job_id: str) -> str | None:
    """RQ's status of a job (queued, scheduled, started, finished, failed, ...); None if unknown."""
    if is_inline():
        return None
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from rq.serializers import JSONSerializer

    try:
        job = Job.fetch(job_id, connection=_redis(current_app), serializer=JSONSerializer)
    except NoSuchJobError:
        return None
    status = job.get_status(refresh=False)
    return getattr(status, "value", status)


def execute(func: str, args: list | None = None, *, app: Flask | None = None) -> None:
    """Run one job in its own app context: commit when it returns, roll back when it raises.

    RQ workers call this for every job, and so does the inline runner, so a job behaves the same
    with and without Redis.
    """
    app = app or _job_app()
    with app.app_context(), unit_of_work():
        _resolve(func)(*(args or []))


def run_periodic(name: str) -> None:
    """The job behind every periodic registration: schedule the next run, then do this one."""
    entry = PERIODIC[name]
    if not is_inline():
        schedule_periodic(_redis(current_app), current_app.config, names=[name])
    _resolve(entry.func)()


# ---------------------------------------------------------------- handing requests over at commit


def _request(request: JobRequest) -> None:
    if request.queue not in QUEUES:
        raise ValueError(f"unknown queue {request.queue!r}; workers listen on {', '.join(QUEUES)}")
    if request.job_id is not None and not JOB_ID.fullmatch(request.job_id):
        raise ValueError(f"job ids are letters, digits, '-' and '_' (at most 128): {request.job_id!r}")
    session = db.session()
    if session.get_transaction() is None:
        session.connection()  # begin the transaction this request belongs to (a rollback must drop it)
    session.info.setdefault(_PENDING, []).append((_current_transaction(session), request))


def _current_transaction(session: Session):
    return session.get_nested_transaction() or session.get_transaction()


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    kept = [(tx, req) for tx, req in pending if not _within(tx, previous_transaction)]
    if kept:
        session.info[_PENDING] = kept
    else:
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction) -> None:
    if transaction.parent is None:  # after_commit has taken what was committed; the rest never was
        session.info.pop(_PENDING, None)


def _within(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _hand_over_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released: the jobs wait for the transaction itself to commit
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_app_context():
        return
    app = current_app._get_current_object()
    requests = [request for _tx, request in pending]
    try:
        if is_inline(app):
            _run_inline(app, requests)
        else:
            _send_to_redis(app, requests)
    except Exception:  # noqa: BLE001 - the caller's commit has happened; never fail it afterwards
        log.exception("handing %d job(s) over after commit failed", len(requests))


def _send_to_redis(app: Flask, requests: list[JobRequest]) -> None:
    from redis.exceptions import RedisError

    if time.monotonic() < _redis_down_until.get(app.config["REDIS_URL"], 0.0):
        log.warning(
            "Redis was unreachable moments ago, %d job(s) not queued; sweeps recover them", len(requests)
        )
        return
    connection = _redis(app)
    for index, request in enumerate(requests):
        try:
            submit(connection, app.config, request)
        except RedisError as exc:
            # Spare the next requests the connect timeout for a while; the sweeps catch up.
            pause = app.config["JOBS_REDIS_RETRY_SECONDS"]
            _redis_down_until[app.config["REDIS_URL"]] = time.monotonic() + pause
            log.warning(
                "Redis unreachable, %d job(s) not queued (%s); periodic sweeps recover durable work",
                len(requests) - index,
                exc,
            )
            return


def submit(connection, config, request: JobRequest) -> bool:
    """Put one request on RQ now; False when a job with its id already exists."""
    from rq import Queue, Retry
    from rq.exceptions import DuplicateJobError
    from rq.job import JobStatus
    from rq.serializers import JSONSerializer

    queue = Queue(request.queue, connection=connection, serializer=JSONSerializer)
    options = {
        "timeout": request.timeout or config["JOBS_DEFAULT_TIMEOUT"],
        "result_ttl": request.result_ttl or config["JOBS_RESULT_TTL"],
        "failure_ttl": config["JOBS_FAILURE_TTL"],
        "description": request.func,
        "job_id": request.job_id,
        "retry": Retry(request.retry.max, list(request.retry.intervals)) if request.retry else None,
    }
    args = (request.func, list(request.args))
    unique = request.job_id is not None
    try:
        if request.run_at is None:
            queue.enqueue_job(queue.create_job(execute, args=args, **options), unique=unique)
        else:
            job = queue.create_job(execute, args=args, status=JobStatus.SCHEDULED, **options)
            queue.schedule_job(job, request.run_at, unique=unique)
    except DuplicateJobError:
        return False
    return True


def _run_inline(app: Flask, requests: list[JobRequest]) -> None:
    backlog = _inline_backlog.get()
    if backlog is not None:  # a job running inline committed: run its jobs after it, not inside it
        backlog.extend(requests)
        return
    backlog = list(requests)
    token = _inline_backlog.set(backlog)
    try:
        for _ in range(MAX_INLINE_CHAIN):
            if not backlog:
                return
            # In a context of its own, as on a worker: no request, no app context, no session of the caller.
            contextvars.Context().run(_run_one_inline, app, backlog.pop(0), backlog)
        log.error("inline jobs kept enqueueing jobs; %d left undone after %d", len(backlog), MAX_INLINE_CHAIN)
    finally:
        _inline_backlog.reset(token)


def _run_one_inline(app: Flask, request: JobRequest, backlog: list) -> None:
    _inline_backlog.set(backlog)
    try:
        if request.run_at is not None and request.run_at > utcnow():
            _defer(app, request)
        else:
            execute(request.func, list(request.args), app=app)
    except Exception:  # noqa: BLE001 - an inline job fails like a worker's job: logged, not raised
        log.exception("inline job %s%s failed", request.func, list(request.args))


def _defer(app: Flask, request: JobRequest) -> None:
    with app.app_context(), unit_of_work():
        job_id = request.job_id or f"deferred-{uuid.uuid4()}"
        if db.session.scalar(db.select(DeferredJob.id).where(DeferredJob.job_id == job_id)) is None:
            db.session.add(
                DeferredJob(
                    job_id=job_id,
                    func=request.func,
                    args=list(request.args),
                    queue=request.queue,
                    run_at=request.run_at,
                )
            )


# ---------------------------------------------------------------- periodic work and workers


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

        def run_maintenance_tasks(self):
            super().run_maintenance_tasks()
            if not self.periodic_names:
                return
            try:
                schedule_periodic(self.connection, self.app_config, names=self.periodic_names)
            except RedisError:
                log.warning("could not schedule periodic jobs; will try again at the next maintenance")

    return AppWorker


def bind_process_app(app: Flask) -> None:
    """Use ``app`` for every job this process (and its forked children) runs."""
    if "app" not in _process_app:
        os.register_at_fork(after_in_child=_dispose_inherited_pools)
    _process_app["app"] = app


def _dispose_inherited_pools() -> None:
    app = _process_app.get("app")
    if app is None:
        return
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def _job_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    if "app" not in _process_app:
        if "factory" not in _app_factory:
            raise RuntimeError("no application to run jobs in: start workers with `flask rq worker`")
        bind_process_app(_app_factory["factory"]())
    return _process_app["app"]


def set_app_factory(factory: Callable[[], Flask]) -> None:
    """Where a process that runs jobs without an app (a bare RQ worker) gets one: ``create_app``."""
    _app_factory["factory"] = factory


def _redis(app: Flask):
    return redis_connection.client(app.config["REDIS_URL"])


# ---------------------------------------------------------------- helpers


def _func_path(func: Callable | str) -> str:
    path = func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"
    if "<" in path or not path.startswith(_allowed_prefixes()):
        raise ValueError(f"jobs must be module-level functions of the app, not {path!r}")
    return path


def _allowed_prefixes() -> tuple[str, ...]:
    return tuple(current_app.config["JOBS_ALLOWED_MODULES"]) if has_app_context() else ("app.",)


def _json_args(args: tuple) -> tuple:
    converted = tuple(str(a) if isinstance(a, uuid.UUID) else a for a in args)
    json.dumps(converted)  # raises TypeError now, in the caller, rather than in the worker
    return converted


def _resolve(path: str) -> Callable:
    if not path.startswith(_allowed_prefixes()):
        raise ValueError(f"refusing to run {path!r}: not a function of the app")
    module_name, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)
