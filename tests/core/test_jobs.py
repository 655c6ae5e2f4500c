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
    job_probe.RUNS.clear()
    yield job_probe.CALLS
    job_probe.CALLS.clear()
    job_probe.RUNS.clear()


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
    assert jobs.run_due(now=now + timedelta(minutes=59)) == jobs.DueRun(ran=0)
    assert jobs.run_due(now=now + timedelta(hours=1)) == jobs.DueRun(ran=1)
    assert [args for args, _ in calls] == [("reminder",)]
    assert _db.session.scalars(_db.select(jobs.DeferredJob)).all() == []
    assert jobs.run_due(now=now + timedelta(days=1)) == jobs.DueRun(ran=0)  # a job done is not run again
    assert [args for args, _ in calls] == [("reminder",)]


def test_periodic_work_is_registered_with_its_interval(app):
    sweep = jobs.PERIODIC["notifications.sweep_outbox"]
    assert sweep.func == "app.notifications.jobs.sweep_outbox" and sweep.queue == jobs.SCHEDULED
    assert sweep.interval(app.config) == app.config["NOTIFY_SWEEP_SECONDS"]


def test_run_due_runs_the_named_periodic_jobs(app, db, calls):
    with mock.patch.dict(jobs.PERIODIC, {"probe": jobs.Periodic("probe", "tests.core.job_probe.record", 5)}):
        assert jobs.run_due(periodic_names=["probe"]) == jobs.DueRun(ran=1)
    assert [args for args, _ in calls] == [()]


# ---------------------------------------------------------------- failures without Redis

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def _kept(job_id: str | None = None) -> list[jobs.DeferredJob]:
    _db.session.expire_all()
    stmt = _db.select(jobs.DeferredJob).order_by(jobs.DeferredJob.run_at)
    if job_id is not None:
        stmt = stmt.where(jobs.DeferredJob.job_id == job_id)
    return list(_db.session.scalars(stmt))


def _runs(calls) -> list:
    return [args for args, _ in calls]


@pytest.mark.parametrize(
    ("policy", "delays"),
    [
        (jobs.RetryPolicy(3), [10, 60, 300, None]),
        (jobs.RetryPolicy(3, (5, 30)), [5, 5, 30, None]),
        (jobs.RetryPolicy(2, (1,)), [1, 1, None]),
        (jobs.RetryPolicy(1, ()), [0, None]),
    ],
)
def test_retries_without_redis_wait_as_rq_waits(policy, delays):
    assert [policy.delay_after(attempts) for attempts in range(1, len(delays) + 1)] == delays
    job = Job(connection=redis.Redis(), serializer=JSONSerializer)  # never connects: RQ's arithmetic only
    job.retry_intervals = list(policy.intervals) or None
    for attempts, delay in enumerate(delays[:-1], start=1):
        job.retries_left = policy.max - (attempts - 1)
        assert job.get_retry_interval() == delay, attempts


def test_a_deferred_job_that_fails_is_retried_per_its_policy_until_it_succeeds(db, calls):
    due = T0 + timedelta(hours=1)
    with clock.frozen(T0):
        policy = jobs.RetryPolicy(3, (10, 60, 300))
        jobs.enqueue_at(due, job_probe.fail_times, "ladder", 2, job_id="flaky-step", retry=policy)
        db.session.commit()
        (waiting,) = _kept()
        assert (waiting.attempts, waiting.retry_max, waiting.retry_intervals) == (0, 3, [10, 60, 300])

        assert jobs.run_due(now=due) == jobs.DueRun(ran=1, failed=1)
        (row,) = _kept("flaky-step")
        assert (row.attempts, row.run_at, row.failed_at, row.locked_until) == (
            1,
            due + timedelta(seconds=10),
            None,
            None,
        )
        assert row.last_error == "RuntimeError: run 1 of ladder fails"
        assert jobs.run_due(now=due + timedelta(seconds=9)) == jobs.DueRun(ran=0)
        assert jobs.run_due(now=due + timedelta(seconds=10)) == jobs.DueRun(ran=1, failed=1)
        (row,) = _kept("flaky-step")
        assert (row.attempts, row.run_at) == (2, due + timedelta(seconds=70))
        assert jobs.run_due(now=due + timedelta(seconds=70)) == jobs.DueRun(ran=1)

    assert _runs(calls) == [("ladder", 1), ("ladder", 2), ("ladder", 3)]
    assert _kept() == []


def test_a_deferred_job_that_always_fails_is_kept_as_failed_and_not_run_again(db, calls, caplog):
    due = T0 + timedelta(hours=1)
    with clock.frozen(T0):
        jobs.enqueue_at(
            due, job_probe.fail_times, "doomed", 99, job_id="doomed", retry=jobs.RetryPolicy(2, (10,))
        )
        db.session.commit()
        outcomes = [jobs.run_due(now=due + timedelta(seconds=s)) for s in (0, 10, 20, 3600)]
    assert outcomes == [jobs.DueRun(1, 1), jobs.DueRun(1, 1), jobs.DueRun(1, 1), jobs.DueRun(0, 0)]
    assert _runs(calls) == [("doomed", 1), ("doomed", 2), ("doomed", 3)]  # the first run and two retries
    (row,) = _kept("doomed")
    assert (row.attempts, row.failed_at, row.locked_until) == (3, T0, None)
    assert row.last_error == "RuntimeError: run 3 of doomed fails"
    assert "failed for good after 3 attempt(s)" in caplog.text


def test_failed_deferred_jobs_are_counted_apart_from_due_ones(client, db, calls):
    with clock.frozen(T0):
        jobs.enqueue(job_probe.explode, job_id="counted-failed")
        jobs.enqueue_in(timedelta(minutes=1), job_probe.record, "waiting", job_id="counted-due")
        db.session.commit()
        clock.advance(timedelta(minutes=2))  # both rows' run_at has passed; no tick has run
        text = client.get("/metrics").get_data(as_text=True)
    assert 'yimatong_deferred_jobs{figure="total"} 2.0' in text
    assert 'yimatong_deferred_jobs{figure="due"} 1.0' in text  # a failed job is not due
    assert 'yimatong_deferred_jobs{figure="failed"} 1.0' in text


def test_an_inline_job_that_fails_waits_for_its_retry_and_the_tick_completes_it(db, calls):
    with clock.frozen(T0):
        jobs.enqueue(job_probe.fail_times, "send", 1, retry=jobs.RetryPolicy(2, (30, 120)))
        db.session.commit()
        assert _runs(calls) == [("send", 1)]
        (row,) = _kept()
        assert (row.func, row.args, row.attempts, row.run_at, row.failed_at) == (
            "tests.core.job_probe.fail_times",
            ["send", 1],
            1,
            T0 + timedelta(seconds=30),  # RQ's first interval of a policy of two retries
            None,
        )
        assert jobs.run_due(now=T0 + timedelta(seconds=29)) == jobs.DueRun(ran=0)
        assert jobs.run_due(now=T0 + timedelta(seconds=30)) == jobs.DueRun(ran=1)
    assert _runs(calls) == [("send", 1), ("send", 2)]
    assert _kept() == []


@pytest.mark.parametrize("when", ["now", "later"])
def test_a_job_without_a_retry_policy_that_fails_is_kept_as_failed(db, calls, when):
    with clock.frozen(T0):
        if when == "now":
            jobs.enqueue(job_probe.explode, job_id="no-policy")
        else:
            jobs.enqueue_in(timedelta(minutes=5), job_probe.explode, job_id="no-policy")
        db.session.commit()
        ran = jobs.run_due(now=T0 + timedelta(minutes=5))
        assert ran == (jobs.DueRun(0, 0) if when == "now" else jobs.DueRun(1, 1))
        (row,) = _kept("no-policy")
        assert (row.func, row.attempts, row.failed_at, row.retry_max) == (
            "tests.core.job_probe.explode",
            1,
            T0,
            None,
        )
        assert row.last_error == "RuntimeError: boom"
        assert jobs.run_due(now=T0 + timedelta(days=7)) == jobs.DueRun(ran=0)
    assert _kept("no-policy")[0].attempts == 1


def test_a_job_asked_for_again_after_it_failed_takes_the_failed_row_s_place(db, calls):
    with clock.frozen(T0):
        jobs.enqueue(job_probe.fail_times, "again", 1, job_id="remind-1")
        db.session.commit()
        assert _kept("remind-1")[0].failed_at == T0
        jobs.enqueue_in(timedelta(hours=1), job_probe.fail_times, "again", 1, job_id="remind-1")
        db.session.commit()
        (row,) = _kept()
        assert (row.failed_at, row.last_error, row.attempts, row.run_at) == (
            None,
            None,
            0,
            T0 + timedelta(hours=1),
        )
        assert jobs.run_due(now=T0 + timedelta(hours=1)) == jobs.DueRun(ran=1)
    assert _runs(calls) == [("again", 1), ("again", 2)]
    assert _kept() == []


def test_a_job_whose_tick_died_runs_again_once_the_lease_has_expired(app, db, calls):
    due = T0 + timedelta(hours=1)
    with clock.frozen(T0):
        jobs.enqueue_at(due, job_probe.record, "survivor", job_id="survivor")
        db.session.commit()
        with mock.patch("app.core.jobs.worker.execute", side_effect=SystemExit), pytest.raises(SystemExit):
            jobs.run_due(now=due)  # the process ends while the job runs
        (row,) = _kept("survivor")
        lease = timedelta(seconds=app.config["JOBS_DEFERRED_LEASE_SECONDS"])
        assert (row.attempts, row.locked_until) == (1, T0 + lease)
        assert jobs.run_due(now=due) == jobs.DueRun(ran=0)  # another tick leaves a leased job alone
        clock.advance(lease)
        assert jobs.run_due(now=due) == jobs.DueRun(ran=1)
    assert _runs(calls) == [("survivor",)]
    assert _kept() == []


@pytest.mark.postgres
def test_two_ticks_at_once_run_each_due_job_once(committed, calls):
    now = clock.utcnow()
    due = now + timedelta(hours=1)

    def enqueue_all():
        for i in range(40):
            jobs.enqueue_at(due, job_probe.slow_record, "race", i, job_id=f"race-ok-{i}")
        for i in range(5):
            jobs.enqueue_at(due, job_probe.fail_times, f"race-{i}", 99, job_id=f"race-bad-{i}")

    committed.run(enqueue_all)
    outcomes = committed.concurrently(2, lambda _i: jobs.run_due(now=due))
    assert all(isinstance(o, jobs.DueRun) for o in outcomes), outcomes
    assert sum(o.ran for o in outcomes) == 45 and sum(o.failed for o in outcomes) == 5
    assert sorted(args for args, _ in calls if args[0] == "race") == [("race", i) for i in range(40)]
    assert sorted(args for args, _ in calls if args[0] != "race") == [(f"race-{i}", 1) for i in range(5)]
    kept = jobs.DeferredJob.job_id.like("race-%")
    assert committed.count(jobs.DeferredJob, kept) == 5
    assert committed.count(jobs.DeferredJob, kept, jobs.DeferredJob.failed_at.is_not(None)) == 5


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


def _rq(app, *args: str):
    result = app.test_cli_runner().invoke(args=["rq", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_an_operator_lists_failed_jobs_runs_one_again_and_it_completes(app, db, calls):
    with clock.frozen(T0):
        jobs.enqueue(job_probe.fail_times, "retried", 1, job_id="failed-once")
        jobs.enqueue(job_probe.explode, job_id="failed-always")
        db.session.commit()
        clock.advance(timedelta(minutes=1))
        listed = _rq(app, "failed")
        assert "failed-once" in listed and "failed-always" in listed
        assert "RuntimeError: boom" in listed and "2 failed job(s)" in listed
        assert [job.job_id for job in jobs.failed_jobs()] == ["failed-always", "failed-once"]  # newest first
        assert "1 failed job(s) due again" in _rq(app, "failed", "--retry", "failed-once")
        (row,) = _kept("failed-once")
        assert (row.failed_at, row.attempts, row.run_at) == (None, 0, T0 + timedelta(minutes=1))
        assert jobs.run_due() == jobs.DueRun(ran=1)  # its second run succeeds: the row goes
    assert _runs(calls) == [("retried", 1), ("retried", 2)]
    assert _kept("failed-once") == [] and [job.job_id for job in jobs.failed_jobs()] == ["failed-always"]


def test_retrying_all_and_purging_old_failed_jobs(app, db, calls):
    with clock.frozen(T0):
        jobs.enqueue(job_probe.explode, job_id="old-failure")
        db.session.commit()
        clock.advance(timedelta(days=3))
        jobs.enqueue(job_probe.explode, job_id="new-failure")
        db.session.commit()
        assert "1 failed job(s) deleted" in _rq(app, "failed", "--purge", "2")
        assert [job.job_id for job in jobs.failed_jobs()] == ["new-failure"]
        assert "1 failed job(s) due again" in _rq(app, "failed", "--retry-all")
        assert jobs.run_due() == jobs.DueRun(1, 1)  # it fails again, with its policy afresh: kept
    assert [job.job_id for job in jobs.failed_jobs()] == ["new-failure"]
    result = app.test_cli_runner().invoke(args=["rq", "failed", "--retry", "x", "--retry-all"])
    assert result.exit_code != 0 and "not both" in result.output


def test_the_tick_lets_failed_jobs_go_after_the_failure_ttl_as_rq_does(app, db, calls):
    with clock.frozen(T0):
        jobs.enqueue(job_probe.explode, job_id="expiring")
        db.session.commit()
        ttl = timedelta(seconds=app.config["JOBS_FAILURE_TTL"])
        clock.advance(ttl - timedelta(minutes=1))
        jobs.run_due()
        assert [job.job_id for job in jobs.failed_jobs()] == ["expiring"]
        clock.advance(timedelta(minutes=2))
        jobs.run_due()
        assert jobs.failed_jobs() == []


@redis_only
def test_on_rq_an_operator_sees_a_failed_job_and_runs_it_again(app, db, rq_mode, calls):
    key = f"probe:{uuid.uuid4().hex}"
    jobs.enqueue(job_probe.flaky, key, job_id="flaky-once")  # fails its first run, no retry policy
    db.session.commit()
    with Worker(DATABASE_URL or app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL, "--no-fork", "default"):
        wait_until(lambda: [job.job_id for job in jobs.failed_jobs()] == ["flaky-once"], what="the failure")
        (failed,) = jobs.failed_jobs()
        assert (failed.func, failed.queue) == ("tests.core.job_probe.flaky", "default")
        assert "flaky-once" in _rq(app, "failed")
        assert "1 failed job(s) due again; a worker runs them" in _rq(app, "failed", "--retry", "flaky-once")
        wait_until(lambda: rq_mode.get(key) == b"2", what="the second run")
    assert jobs.failed_jobs() == []
