"""A resident's lists at 10k and at 1M rows: does a page stay flat as the table grows? (PostgreSQL)

``python -m bench.lists --database-url postgresql+psycopg://postgres@127.0.0.1:5432/yimatong_bench_lists``
migrates and seeds that database (its tables are dropped first), gives the demo resident three
reports of their own, then for each size (10,000 and 1,000,000 by default) fills ``complaints`` and
``complaint_subscriptions`` with other residents' reports up to that many rows — with
``generate_series`` in one statement, random (v4) ids so other people's rows sort among and above
the resident's — runs ``ANALYZE``, and reads the resident's ``GET /api/v1/complaints?limit=20``
in-process (the app's test client, no HTTP server: the figure is the app and the database) a few
hundred times. It prints p50 and CPU per request at each size, their ratio (target ≤ 1.3), and the
plan PostgreSQL chose for the list's query at the largest size, which is the evidence that matters:
an index range on the resident's subscriptions, never a scan of the table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESIDENT = "+8613800000001"
FILLER_PEOPLE = 500
FILL = """
WITH others AS (SELECT array_agg(id) AS ids FROM people WHERE phone LIKE '+86139000%%'),
     category AS (SELECT id FROM complaint_categories WHERE code = '0202'),
     made AS (
       INSERT INTO complaints (id, created_at, tracking_number, channel, reporter_id, category_id,
                               description, address, contact_allowed, identity_visible, urgent, status,
                               sla_class, dispatch_due, reopen_count, duplicate_candidate_ids, version)
       SELECT gen_random_uuid(), now() - make_interval(secs => g), 'BENCH' || lpad(g::text, 12, '0'), 'app',
              others.ids[1 + g %% array_length(others.ids, 1)], category.id, '路灯不亮', '', true, false,
              false, 'closed', 'standard', now(), 0, '[]', 1
       FROM generate_series(%(first)s, %(last)s) AS g, others, category
       RETURNING id, reporter_id, created_at)
INSERT INTO complaint_subscriptions (id, created_at, complaint_id, person_id)
SELECT gen_random_uuid(), created_at, id, reporter_id FROM made
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database for this benchmark")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        sys.exit("bench/lists.py needs PostgreSQL (--database-url postgresql+psycopg://...)")
    os.environ.update(DATABASE_URL=args.database_url, ACCESS_TOKEN_TTL_SECONDS="3600")  # noqa: S106 - a lifetime
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))

    from flask_migrate import upgrade

    from app import create_app
    from app.core.demo import seed_demo
    from app.extensions import db
    from bench.run import reset_database

    reset_database(args.database_url)
    app = create_app()
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        token, resident_id = _resident_with_three_reports(app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    figures = {}
    for size in sorted(args.sizes):
        with app.app_context():
            filled = _fill_to(size)
        figures[size] = _measure(client, headers, args.requests)
        p50, cpu = figures[size]
        print(f"{filled:>9,} complaints: p50 {p50:6.2f} ms  cpu/req {cpu:5.2f} ms", flush=True)
    small, large = min(figures), max(figures)
    ratio, cpu_ratio = figures[large][0] / figures[small][0], figures[large][1] / figures[small][1]
    print(f"p50 at {large:,} ÷ p50 at {small:,} = {ratio:.2f} (target ≤ 1.3); cpu/req {cpu_ratio:.2f}")
    with app.app_context():
        print("\nthe list's plan at the largest size:")
        print(_plan(client, headers, resident_id))


def _resident_with_three_reports(app) -> tuple[str, object]:
    from app.extensions import db
    from app.identity import services as identity
    from app.identity import tokens

    resident = identity.person_by_phone(RESIDENT)
    for n in range(FILLER_PEOPLE):
        identity.get_or_create_person(f"+86139000{n:05d}")
    client = app.test_client()
    token = tokens.issue_access_token(resident, client_id="yimatong-app", scopes=("openid",))
    db.session.commit()
    for n, lat in enumerate((26.5561, 26.5661, 26.5761)):
        filed = client.post(
            "/api/v1/complaints",
            json={
                "category": "0202",
                "description": f"花果园小区第{n + 1}盏路灯坏了，晚上一片漆黑",
                "address": "南明区花果园街道",
                "location": {"lat": lat, "lng": 106.69},
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert filed.status_code == 201, filed.get_json()
    return token, resident.id


def _fill_to(size: int) -> int:
    from app.extensions import db

    have = db.session.scalar(db.text("SELECT count(*) FROM complaints"))
    if have < size:
        started = time.perf_counter()
        db.session.execute(db.text(FILL % {"first": have + 1, "last": size}))
        db.session.commit()
        db.session.execute(db.text("ANALYZE complaints"))
        db.session.execute(db.text("ANALYZE complaint_subscriptions"))
        db.session.commit()
        print(f"  filled {size - have:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return db.session.scalar(db.text("SELECT count(*) FROM complaints"))


def _measure(client, headers, requests: int) -> tuple[float, float]:
    for _ in range(20):
        assert client.get("/api/v1/complaints?limit=20", headers=headers).status_code == 200
    walls, cpu_started = [], time.process_time()
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get("/api/v1/complaints?limit=20", headers=headers)
        walls.append((time.perf_counter() - started) * 1000)
        assert len(response.get_json()["items"]) == 3, "the resident's own three, and nobody else's"
    return statistics.median(walls), (time.process_time() - cpu_started) * 1000 / requests


def _plan(client, headers, resident_id) -> str:
    from sqlalchemy import event

    from app.extensions import db

    captured = []

    def keep(_conn, _cursor, statement, parameters, *_):
        if "FROM complaints" in statement and "complaint_subscriptions" in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        client.get("/api/v1/complaints?limit=20", headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    statement, parameters = captured[0]
    with db.engine.connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + statement, parameters)
        return "\n".join(row[0] for row in cursor.fetchall())


if __name__ == "__main__":
    main()
