"""Notifications delivered per second by two workers, as a ratio to RQ no-op jobs per second.

Both figures come from the same run on the same Redis and PostgreSQL, in interleaved rounds:

* ``rq no-op``: two plain ``rq worker --burst`` processes (JSON serializer) running a job that does
  nothing (``builtins.abs(0)``): the floor of RQ itself (a fork per job, Redis round trips);
* ``app no-op``: two ``flask rq worker --burst`` processes running a job through the app's job
  runner (app context, commit) that does nothing: what the app adds before any work;
* ``deliver``: two ``flask rq worker --burst`` processes delivering outbox messages (claim, render
  in the recipient's language, inbox item, sandbox SMS, Telegram skipped, one row per channel),
  with the default work horse per job (``fork``) and with ``--no-fork``.

Throughput is measured from RQ's own timestamps (first job started to last job ended), so worker
start-up is not counted. The queues are filled before the workers start.

Usage (the Redis database is emptied; give the bench its own)::

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/yimatong_bench \\
    REDIS_URL=redis://127.0.0.1:6379/13 python bench/notifications.py [--messages 400] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from rq import Queue  # noqa: E402
from rq.job import Job, JobStatus  # noqa: E402
from rq.serializers import JSONSerializer  # noqa: E402

WORKERS = 2
PHONE_PREFIX = "+86136"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300, help="messages per delivery round")
    parser.add_argument("--noops", type=int, default=600, help="no-op jobs per baseline round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not database_url or not redis_url:
        sys.exit("set DATABASE_URL (PostgreSQL) and REDIS_URL (a Redis database the bench may empty)")

    app = _app(database_url, redis_url)
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    people = _people(app, 50)
    rows = []
    try:
        for number in range(1, args.rounds + 1):
            floor = _noop_round(connection, redis_url, args.noops, plain=True)
            app_floor = _noop_round(connection, redis_url, args.noops, plain=False, database_url=database_url)
            forked = _deliver_round(
                app, connection, database_url, redis_url, people, args.messages, fork=True
            )
            unforked = _deliver_round(
                app, connection, database_url, redis_url, people, args.messages, fork=False
            )
            rows.append((floor, app_floor, forked, unforked))
            print(
                f"round {number}: rq no-op {floor:6.1f}/s  app no-op {app_floor:6.1f}/s  "
                f"delivered {forked:5.1f} msg/s (--no-fork {unforked:5.1f})  "
                f"ratio {forked / floor:.3f} (--no-fork {unforked / floor:.3f})  "
                f"load {os.getloadavg()[0]:.1f}"
            )
    finally:
        _clean(app)
        connection.flushdb()
    _summary(rows)


def _summary(rows: list[tuple[float, float, float, float]]) -> None:
    def median(index: int) -> float:
        return statistics.median(row[index] for row in rows)

    forked = [row[2] / row[0] for row in rows]
    unforked = [row[3] / row[0] for row in rows]
    print(
        f"\nmedian of {len(rows)} rounds, {WORKERS} workers: rq no-op {median(0):.1f} jobs/s, "
        f"app no-op {median(1):.1f} jobs/s, delivered {median(2):.1f} msg/s, "
        f"delivered with --no-fork {median(3):.1f} msg/s"
    )
    print(
        f"ratio delivered / rq no-op: {statistics.median(forked):.3f} "
        f"(min {min(forked):.3f}, max {max(forked):.3f}); "
        f"with --no-fork {statistics.median(unforked):.3f} (min {min(unforked):.3f}, max {max(unforked):.3f})"
    )


def _app(database_url: str, redis_url: str):
    from flask_migrate import upgrade

    from app import create_app
    from config import DevelopmentConfig

    app = create_app(
        DevelopmentConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        REDIS_URL=redis_url,
        JOBS_INLINE=False,
        NOTIFY_QUIET_HOURS=("00:00", "00:00"),
    )
    with app.app_context():
        upgrade()
    return app


def _people(app, count: int) -> list[uuid.UUID]:
    from app.extensions import db
    from app.identity import services as identity

    with app.app_context():
        _clean(app)
        ids = []
        for n in range(count):
            person, _ = identity.get_or_create_person(f"{PHONE_PREFIX}{n:08d}", f"压测{n}")
            person.locale = ("zh_Hans", "zh_Hant", "en")[n % 3]
            ids.append(person.id)
        db.session.commit()
        return ids


def _noop_round(connection, redis_url: str, count: int, *, plain: bool, database_url: str = "") -> float:
    connection.flushdb()
    queue = Queue("default", connection=connection, serializer=JSONSerializer)
    with connection.pipeline() as pipe:
        for _ in range(count):
            if plain:
                queue.enqueue("builtins.abs", 0, pipeline=pipe, result_ttl=600)
            else:
                queue.enqueue(
                    "app.core.jobs.execute", "app.core.ids.new_id", [], pipeline=pipe, result_ttl=600
                )
        pipe.execute()
    ids = queue.job_ids
    if plain:
        command = [
            "rq",
            "worker",
            "--burst",
            "-u",
            redis_url,
            "--serializer",
            "rq.serializers.JSONSerializer",
        ]
        _run_workers([*command, "default"], {})
    else:
        _run_flask_workers("default", database_url, redis_url)
    return _throughput(connection, ids)


def _deliver_round(app, connection, database_url, redis_url, people, count: int, *, fork: bool) -> float:
    from app.extensions import db
    from app.notifications import services

    connection.flushdb()
    with app.app_context():
        for n in range(count):
            services.notify(
                people[n % len(people)],
                "complaint_dispatched",
                {"reference": f"GY-BENCH-{n:05d}", "department": "市城市管理局"},
                topic="complaints",
                dedupe_key=f"bench-{uuid.uuid4()}",
            )
        db.session.commit()  # relayed to the notifications queue after the commit
    ids = Queue("notifications", connection=connection, serializer=JSONSerializer).job_ids
    if len(ids) != count:
        sys.exit(f"expected {count} queued deliveries, found {len(ids)}")
    _run_flask_workers("notifications", database_url, redis_url, fork=fork)
    with app.app_context():
        delivered = db.session.scalar(
            sa.text(
                "SELECT count(*) FROM outbox_messages "
                "WHERE status = 'delivered' AND dedupe_key LIKE 'bench-%'"
            )
        )
        _clean(app)
    if delivered != count:
        sys.exit(f"only {delivered} of {count} messages were delivered")
    return _throughput(connection, ids)


def _run_flask_workers(queue: str, database_url: str, redis_url: str, *, fork: bool = True) -> None:
    env = {
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "NOTIFY_QUIET_START": "00:00",
        "NOTIFY_QUIET_END": "00:00",
    }
    mode = "--fork" if fork else "--no-fork"
    command = [sys.executable, "-m", "flask", "rq", "worker", "--burst", "--without-scheduler", mode, queue]
    _run_workers(command, env)


def _run_workers(command: list[str], env: dict) -> None:
    full_env = {**os.environ, **env}
    if command[0] == "rq":
        command = [str(Path(sys.executable).parent / "rq"), *command[1:]]
    workers = [
        subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(WORKERS)
    ]
    for worker in workers:
        if worker.wait(timeout=600) != 0:
            sys.exit(f"a worker failed: {' '.join(command)}")


def _throughput(connection, ids: list[str]) -> float:
    jobs = [job for job in Job.fetch_many(ids, connection=connection, serializer=JSONSerializer) if job]
    finished = [job for job in jobs if job.get_status() == JobStatus.FINISHED]
    if len(finished) != len(ids):
        sys.exit(f"{len(ids) - len(finished)} of {len(ids)} jobs did not finish")
    start = min(job.started_at for job in finished)
    end = max(job.ended_at for job in finished)
    return len(finished) / max((end - start).total_seconds(), 1e-6)


def _clean(app) -> None:
    from app.extensions import db

    bench_messages = "SELECT id FROM outbox_messages WHERE dedupe_key LIKE 'bench-%'"
    with app.app_context():
        for table in ("notification_deliveries", "inbox_items"):
            db.session.execute(sa.text(f"DELETE FROM {table} WHERE message_id IN ({bench_messages})"))  # noqa: S608
        db.session.execute(sa.text("DELETE FROM outbox_messages WHERE dedupe_key LIKE 'bench-%'"))
        db.session.execute(
            sa.text("DELETE FROM sandbox_sms WHERE phone LIKE :prefix"), {"prefix": PHONE_PREFIX + "%"}
        )
        db.session.commit()


if __name__ == "__main__":
    main()
