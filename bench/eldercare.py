"""An SOS from press to first delivery, on PostgreSQL and Redis with a running worker.

Each press is the demo elder's SOS (``services.raise_sos``, committed): the first rung's urgent
notices go to the outbox and on to the ``notifications`` queue after the commit; a running
``flask rq worker`` delivers them. The figure is the time from the press (the alert's ``raised_at``)
to the first delivery of any of its notices (``notification_deliveries.delivered_at``). The baseline,
interleaved with the presses in each round, is one plain notice (``notify``, normal urgency) from
its commit to its first delivery: the same outbox, queue and worker without the ladder. The ratio
is baseline / SOS (1.0: an SOS costs no more than any notice). Each alert is resolved before the
next press, so every press starts a new ladder.

Usage (the Redis database is emptied; give the bench its own)::

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/yimatong_bench \\
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/eldercare.py [--presses 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
import sqlalchemy as sa  # noqa: E402

ELDER_PHONE, GUARDIAN_PHONE = "+8613800000009", "+8613800000001"
FIRST_DELIVERY = sa.text(
    "SELECT min(d.delivered_at) FROM notification_deliveries d JOIN outbox_messages m ON m.id = d.message_id "
    "WHERE m.dedupe_key LIKE :pattern AND d.delivered_at IS NOT NULL"
)
TIMEOUT_S = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=20, help="presses (and plain notices) per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not database_url or not redis_url:
        sys.exit("set DATABASE_URL (PostgreSQL) and REDIS_URL (a Redis database the bench may empty)")
    redis.Redis.from_url(redis_url).flushdb()
    app = _app(database_url, redis_url)
    worker = _worker(database_url, redis_url)
    rows = []
    try:
        time.sleep(3)  # the worker is listening
        for number in range(1, args.rounds + 1):
            sos, plain = [], []
            for _ in range(args.presses):
                sos.append(_press(app))
                plain.append(_plain(app))
            rows.append((statistics.median(sos), statistics.median(plain), max(sos)))
            print(
                f"round {number}: SOS press to first delivery p50 {rows[-1][0] * 1000:6.1f} ms "
                f"(max {rows[-1][2] * 1000:6.1f}); plain notice {rows[-1][1] * 1000:6.1f} ms; "
                f"ratio {rows[-1][1] / rows[-1][0]:.3f}; load {os.getloadavg()[0]:.1f}"
            )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    ratios = [plain / sos for sos, plain, _ in rows]
    print(
        f"\nmedian of {len(rows)} rounds: SOS {statistics.median(r[0] for r in rows) * 1000:.1f} ms, "
        f"plain {statistics.median(r[1] for r in rows) * 1000:.1f} ms; ratio plain / SOS "
        f"{statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})"
    )


def _app(database_url: str, redis_url: str):
    from flask_migrate import upgrade

    from app import create_app
    from app.core.demo import seed_demo
    from app.extensions import db
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
        seed_demo()
        db.session.commit()
    return app


def _worker(database_url: str, redis_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "NOTIFY_QUIET_START": "00:00",
        "NOTIFY_QUIET_END": "00:00",
    }
    command = [sys.executable, "-m", "flask", "rq", "worker", "--no-fork", "notifications", "default"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _press(app) -> float:
    """One SOS: seconds from the press to the first delivery of its first rung; then resolved."""
    from app.core.actors import Actor, ActorKind
    from app.eldercare import services
    from app.extensions import db
    from app.identity import services as identity

    with app.app_context():
        elder = identity.person_by_phone(ELDER_PHONE)
        actor = Actor(kind=ActorKind.PERSON, person_id=elder.id)
        for active in services.list_alerts(actor, active=True, cursor=None, limit=20).items:
            services.close_alert(active, "other", "bench", None)
        db.session.commit()
        alert = services.raise_sos(actor, note="bench")
        alert_id, raised_at = alert.id, alert.raised_at
        db.session.commit()
        delivered = _wait(f"eldercare:alert:{alert_id}:%")
        services.close_alert(db.session.get(type(alert), alert_id), "other", "bench", None)
        db.session.commit()
    return (delivered - raised_at).total_seconds()


def _plain(app) -> float:
    """One plain notice to the guardian: seconds from its commit to its first delivery."""
    from app.core.models import utcnow
    from app.extensions import db
    from app.identity import services as identity
    from app.notifications import services as notifications

    with app.app_context():
        guardian = identity.person_by_phone(GUARDIAN_PHONE)
        key = f"bench-eldercare-{uuid.uuid4()}"
        notifications.notify(
            guardian.id,
            "complaint_dispatched",
            {"reference": "GY-BENCH", "department": "市城市管理局"},
            topic="complaints",
            dedupe_key=key,
        )
        sent_at = utcnow()
        db.session.commit()
        return (_wait(key) - sent_at).total_seconds()


def _wait(pattern: str):
    from app.extensions import db

    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        first = db.session.scalar(FIRST_DELIVERY, {"pattern": pattern})
        db.session.rollback()
        if first is not None:
            return first
        time.sleep(0.002)
    sys.exit(f"nothing delivered for {pattern} within {TIMEOUT_S} s: is the worker running?")


if __name__ == "__main__":
    main()
