"""Background jobs: handed over after commit, inline without Redis, on RQ (JSON, ids, retries) with it."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from rq.serializers import JSONSerializer

from app.core import clock, jobs
from app.extensions import db as _db
from tests.core import job_probe
from tests.workers import Worker, wait_until

REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")


@pytest.fixture(autouse=True)
def calls():
    job_probe.CALLS.clear()
    yield job_probe.CALLS
    job_probe.CALLS.clear()


def test_a_job_runs_only_after_the_commit(db, calls):
    jobs.enqueue(job_probe.record, "a", 1)
    assert calls == []
    db.session.commit()
    assert [args for args, _ in calls] == [("a", 1)]


def test_a_rollback_discards_the_jobs_of_the_transaction(db, calls):
    jobs.enqueue(job_probe.record, "lost")
    db.session.rollback()
    db.session.commit()
    assert calls == []


def test_a_rolled_back_savepoint_discards_only_its_own_jobs(db, calls):
    jobs.enqueue(job_probe.record, "outer")
    with pytest.raises(RuntimeError), db.session.begin_nested():
        jobs.enqueue(job_probe.record, "inner")
        raise RuntimeError("undo the inner change")
    with db.session.begin_nested():
        jobs.enqueue(job_probe.record, "kept")
    db.session.commit()
    assert [args for args, _ in calls] == [("outer",), ("kept",)]


def test_each_inline_job_runs_in_its_own_app_context(app, db, calls):
    from flask import g

    g.caller_was_here = True
    jobs.enqueue(job_probe.record, "x")
    jobs.enqueue(job_probe.record, "y")
    db.session.commit()
    assert [seen for _, seen in calls] == [[], []]


def test_jobs_enqueued_by_a_job_run_after_it(db, calls):
    jobs.enqueue(job_probe.enqueue_follow_up, "v")
    jobs.enqueue(job_probe.record, "second")
    db.session.commit()
    assert [args for args, _ in calls] == [("outer", "v"), ("second",), ("inner", "v")]


def test_a_failing_inline_job_is_logged_and_the_commit_stands(db, calls, caplog):
    jobs.enqueue(job_probe.explode)
    jobs.enqueue(job_probe.record, "after")
    db.session.commit()
    assert [args for args, _ in calls] == [("after",)]
    assert "inline job tests.core.job_probe.explode[] failed" in caplog.text


def test_later_jobs_wait_in_the_database_without_redis(db, calls):
    now = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    with clock.frozen(now):
        jobs.enqueue_in(timedelta(hours=1), job_probe.record, "reminder", job_id="reminder-1")
        jobs.enqueue_at(now + timedelta(hours=1), job_probe.record, "reminder", job_id="reminder-1")  # dedupe
        db.session.commit()
    assert calls == []
    assert jobs.run_due(now=now + timedelta(minutes=59)) == 0
    assert jobs.run_due(now=now + timedelta(hours=1)) == 1
    assert [args for args, _ in calls] == [("reminder",)]
    assert _db.session.scalars(_db.select(jobs.DeferredJob)).all() == []


def test_periodic_work_is_registered_with_its_interval(app):
    sweep = jobs.PERIODIC["notifications.sweep_outbox"]
    assert sweep.func == "app.notifications.jobs.sweep_outbox" and sweep.queue == jobs.SCHEDULED
    assert sweep.interval(app.config) == app.config["NOTIFY_SWEEP_SECONDS"]


def test_run_due_runs_the_named_periodic_jobs(app, db, calls):
    with mock.patch.dict(jobs.PERIODIC, {"probe": jobs.Periodic("probe", "tests.core.job_probe.record", 5)}):
        assert jobs.run_due(periodic_names=["probe"]) == 1
    assert [args for args, _ in calls] == [()]


@pytest.mark.parametrize(
    ("func", "args", "error"),
    [
        (lambda: None, (), ValueError),
        ("os.system", ("rm -rf /",), ValueError),
        (job_probe.record, (object(),), TypeError),
        (job_probe.record, (datetime.now(UTC),), TypeError),
    ],
)
def test_what_cannot_run_in_a_worker_is_refused_at_once(db, func, args, error):
    with pytest.raises(error):
        jobs.enqueue(func, *args)


def test_job_ids_are_what_rq_accepts(db):
    with pytest.raises(ValueError, match="job ids"):
        jobs.enqueue(job_probe.record, job_id="reminder:1")


def test_ids_are_passed_as_strings(db, calls):
    some_id = uuid.uuid4()
    jobs.enqueue(job_probe.record, some_id)
    db.session.commit()
    assert [args for args, _ in calls] == [(str(some_id),)]


def test_a_job_that_is_not_an_app_function_does_not_run(app):
    with app.app_context(), pytest.raises(ValueError, match="refusing"):
        jobs.execute("subprocess.run", [["true"]])


# ---------------------------------------------------------------- on real Redis

redis_only = pytest.mark.redis


@pytest.fixture
def rq_mode(app):
    """Jobs go to Redis (database of REDIS_URL, emptied first) instead of running inline."""
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    with mock.patch.dict(app.config, {"JOBS_INLINE": False}):
        yield connection
    connection.flushdb()


def _queue(connection, name=jobs.DEFAULT) -> Queue:
    return Queue(name, connection=connection, serializer=JSONSerializer)


@redis_only
def test_jobs_reach_rq_after_commit_as_json_with_their_id(db, rq_mode):
    jobs.enqueue(
        job_probe.record,
        "x",
        2,
        queue=jobs.NOTIFICATIONS,
        job_id="probe-1",
        retry=jobs.RetryPolicy(2, (5, 30)),
    )
    assert _queue(rq_mode, jobs.NOTIFICATIONS).count == 0
    db.session.commit()
    job = Job.fetch("probe-1", connection=rq_mode, serializer=JSONSerializer)
    assert job.func_name == "app.core.jobs.running.execute"
    assert job.args == ["tests.core.job_probe.record", ["x", 2]]
    assert (job.retries_left, job.retry_intervals) == (2, [5, 30])
    assert job.failure_ttl == 7 * 24 * 3600 and job.origin == jobs.NOTIFICATIONS

    jobs.enqueue(job_probe.record, "again", queue=jobs.NOTIFICATIONS, job_id="probe-1")
    db.session.commit()
    assert _queue(rq_mode, jobs.NOTIFICATIONS).job_ids == ["probe-1"]


@redis_only
def test_a_rollback_sends_nothing_to_rq(db, rq_mode):
    jobs.enqueue(job_probe.record, "x")
    db.session.rollback()
    db.session.commit()
    assert _queue(rq_mode).count == 0


@redis_only
def test_later_jobs_wait_in_rq_schedule(db, rq_mode):
    at = datetime.now(UTC) + timedelta(hours=2)
    jobs.enqueue_at(at, job_probe.record, "later", job_id="later-1")
    db.session.commit()
    registry = ScheduledJobRegistry(queue=_queue(rq_mode))
    assert registry.get_job_ids() == ["later-1"]
    assert abs(registry.get_scheduled_time("later-1") - at) < timedelta(seconds=1)


@redis_only
def test_periodic_runs_are_scheduled_once_per_slot_however_many_workers_ask(app, rq_mode):
    now = datetime(2026, 6, 1, 2, 0, 10, tzinfo=UTC)
    for _ in range(3):
        jobs.schedule_periodic(rq_mode, app.config, now=now, run_now=True)
    every = app.config["NOTIFY_SWEEP_SECONDS"]
    scheduled = ScheduledJobRegistry(queue=_queue(rq_mode, jobs.SCHEDULED)).get_job_ids()
    slot = int(now.timestamp()) // every * every
    started = _queue(rq_mode, jobs.SCHEDULED).job_ids
    # every periodic job is scheduled once, however many workers asked
    assert len(scheduled) == len(set(scheduled)) == len(jobs.PERIODIC)
    assert len(started) == len(set(started)) == len(jobs.PERIODIC)
    assert jobs.periodic_job_id("notifications.sweep_outbox", slot + every) in scheduled
    assert jobs.periodic_job_id("notifications.sweep_outbox", slot, "start") in started


def test_redis_unreachable_at_commit_does_not_fail_the_commit(app, db, caplog):
    down = {"JOBS_INLINE": False, "REDIS_URL": f"redis://127.0.0.1:1/{uuid.uuid4().int % 16}"}
    with mock.patch.dict(app.config, down):
        jobs.enqueue(job_probe.record, "x")
        db.session.commit()
        assert "Redis unreachable, 1 job(s) not queued" in caplog.text
        jobs.enqueue(job_probe.record, "y")
        jobs.enqueue(job_probe.record, "z")
        db.session.commit()  # the next commits do not wait for Redis again for a while
        assert "Redis was unreachable moments ago, 2 job(s) not queued" in caplog.text


@redis_only
@pytest.mark.parametrize("mode", ["--fork", "--no-fork"])
def test_a_worker_runs_jobs_retries_with_backoff_and_keeps_what_fails(app, db, rq_mode, mode):
    key = f"probe:{uuid.uuid4().hex}"
    jobs.enqueue(job_probe.flaky, key + ":flaky", retry=jobs.RetryPolicy(2, (1,)), job_id="flaky")
    jobs.enqueue(job_probe.mark, key + ":mark", job_id="mark")
    jobs.enqueue(job_probe.explode, job_id="explode")
    jobs.enqueue(job_probe.config_value, key + ":inline", "JOBS_INLINE", job_id="config")
    db.session.commit()
    with Worker(DATABASE_URL or app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL, mode, "default"):
        wait_until(lambda: rq_mode.get(key + ":flaky") == b"2", what="the flaky job's retry")
        wait_until(
            lambda: "explode" in FailedJobRegistry(queue=_queue(rq_mode)).get_job_ids(), what="failure"
        )
    assert rq_mode.get(key + ":mark") == b"1"
    assert rq_mode.get(key + ":inline") == b"False"  # a worker queues the jobs its jobs enqueue
    failed = Job.fetch("explode", connection=rq_mode, serializer=JSONSerializer)
    assert "RuntimeError: boom" in failed.latest_result().exc_string
