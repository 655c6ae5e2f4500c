"""Handing jobs over when the transaction that asked for them commits: to RQ, or run inline."""

from __future__ import annotations

import contextvars
import dataclasses
import time
import uuid
from datetime import datetime, timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core import logs
from app.core.jobs._shared import (
    _PENDING,
    JOB_ID,
    MAX_INLINE_CHAIN,
    QUEUES,
    DeferredJob,
    JobRequest,
    _inline_backlog,
    _redis_down_until,
    describe_error,
    is_inline,
    log,
)
from app.core.jobs.running import _redis, execute
from app.core.models import utcnow
from app.core.uow import unit_of_work
from app.extensions import db


def _request(request: JobRequest) -> None:
    if request.queue not in QUEUES:
        raise ValueError(f"unknown queue {request.queue!r}; workers listen on {', '.join(QUEUES)}")
    if request.job_id is not None and not JOB_ID.fullmatch(request.job_id):
        raise ValueError(f"job ids are letters, digits, '-' and '_' (at most 128): {request.job_id!r}")
    if request.request_id is None and (request_id := logs.current_request_id()):
        request = dataclasses.replace(request, request_id=request_id)
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
    kwargs = {"request_id": request.request_id} if request.request_id else None
    unique = request.job_id is not None
    try:
        if request.run_at is None:
            queue.enqueue_job(queue.create_job(execute, args=args, kwargs=kwargs, **options), unique=unique)
        else:
            job = queue.create_job(execute, args=args, kwargs=kwargs, status=JobStatus.SCHEDULED, **options)
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
    if request.run_at is not None and request.run_at > utcnow():
        try:
            _keep(app, request, run_at=request.run_at)
        except Exception:  # noqa: BLE001 - the caller's commit has happened; never fail it afterwards
            log.exception("could not keep job %s%s for later", request.func, list(request.args))
        return
    try:
        execute(request.func, list(request.args), app=app, request_id=request.request_id)
    except Exception as error:  # noqa: BLE001 - an inline job fails like a worker's job: kept, not raised
        log.exception("inline job %s%s failed", request.func, list(request.args))
        _keep_failed(app, request, error)


def _keep_failed(app: Flask, request: JobRequest, error: Exception) -> None:
    """A failed inline job waits for its retry in the database, as on RQ, or is kept as failed."""
    now = utcnow()
    delay = request.retry.delay_after(1) if request.retry else None
    try:
        if delay is None:
            _keep(app, request, run_at=now, attempts=1, failed_at=now, error=describe_error(error))
        else:
            _keep(app, request, run_at=now + timedelta(seconds=delay), attempts=1)
    except Exception:  # noqa: BLE001 - the caller's commit has happened; never fail it afterwards
        log.exception("could not keep the failed job %s%s", request.func, list(request.args))


def _keep(
    app: Flask,
    request: JobRequest,
    *,
    run_at: datetime,
    attempts: int = 0,
    failed_at: datetime | None = None,
    error: str | None = None,
) -> None:
    """Keep a job in the database (``deferred_jobs``) until ``run_at``, or as failed.

    A job with the id of one that already waits or runs is the same job: it is not kept twice. A
    job asked for again after it failed takes the failed row's place.
    """
    with app.app_context(), unit_of_work():
        job_id = request.job_id or f"deferred-{uuid.uuid4()}"
        row = db.session.scalar(db.select(DeferredJob).where(DeferredJob.job_id == job_id).with_for_update())
        if row is not None and row.failed_at is None:
            return
        if row is None:
            row = DeferredJob(job_id=job_id)
            db.session.add(row)
        row.func = request.func
        row.args = list(request.args)
        row.queue = request.queue
        row.run_at = run_at
        row.attempts = attempts
        row.retry_max = request.retry.max if request.retry else None
        row.retry_intervals = list(request.retry.intervals) if request.retry else None
        row.locked_until = None
        row.failed_at = failed_at
        row.last_error = error
