"""The routing dry run over a month of 10,000 and of 100,000 complaints: does it stay linear? (PostgreSQL)

``python -m bench.routing_dry_run --database-url postgresql+psycopg://postgres@127.0.0.1:5432/yimatong_bench_dry_run``
migrates and seeds that database (its tables are dropped first), then for each size fills last
month with that many complaints (``generate_series`` in one statement; categories, districts and
words mixed so a draft moves some of them) plus as many again in the months around it, which the
replay must not read, runs ``ANALYZE``, and asks ``POST /api/v1/staff/routing-rules/dry-run`` as the
demo supervisor in-process (the app's test client: the figure is the app and the database) a few
times. It prints the median wall time and the time per 1,000 complaints at each size, their ratio
(linear is 1.0), the peak Python memory of one run (``tracemalloc``: flat if the chunks work), and
the plan PostgreSQL chose for one chunk's statement — an index range on ``(created_at, id)``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUPERVISOR = "+8613800000005"
DRAFTS = {
    "one category (street lights → power)": {
        "name": "路灯归供电局",
        "category_prefixes": ["0202"],
        "department_code": "city-power",
        "priority": 20,
    },
    "no category (a keyword anywhere)": {
        "name": "施工归住建",
        "keywords": ["施工"],
        "department_code": "city-housing",
        "priority": 50,
    },
}
FILL = """
WITH cats AS (SELECT array_agg(id ORDER BY code) AS ids FROM complaint_categories
              WHERE parent_code IS NOT NULL),
     dists AS (SELECT array_agg(id ORDER BY code) AS ids FROM districts)
INSERT INTO complaints (id, created_at, tracking_number, channel, category_id, district_id,
                        description, address, contact_allowed, identity_visible, urgent, status,
                        sla_class, dispatch_due, reopen_count, duplicate_candidate_ids, version)
SELECT gen_random_uuid(),
       %(base)s::timestamptz + make_interval(secs => (g - 1) * %(span)s::double precision / %(count)s),
       'DRY' || %(tag)s || lpad(g::text, 9, '0'), 'app',
       cats.ids[1 + g %% array_length(cats.ids, 1)], dists.ids[1 + g %% array_length(dists.ids, 1)],
       (ARRAY['路灯不亮已经三天', '工地夜间施工噪音很大', '小区门口垃圾没人清运',
              '停水一整天', '广场舞音响太吵'])[1 + g %% 5],
       '花果园', true, false, false, 'closed', 'general', now(), 0, '[]', 1
FROM generate_series(1, %(count)s) AS g, cats, dists
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database for this benchmark")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per size (median)")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        sys.exit("bench/routing_dry_run.py needs PostgreSQL (--database-url postgresql+psycopg://...)")
    os.environ.update(DATABASE_URL=args.database_url, ACCESS_TOKEN_TTL_SECONDS="3600")  # noqa: S106 - a lifetime
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))

    from flask_migrate import upgrade

    from app import create_app
    from app.core.demo import seed_demo
    from app.extensions import db
    from app.identity import services as identity
    from app.identity import tokens
    from bench.run import reset_database

    figures = {}
    for size in sorted(args.sizes):
        reset_database(args.database_url)
        app = create_app()
        with app.app_context():
            upgrade()
            seed_demo()
            token = tokens.issue_access_token(
                identity.person_by_phone(SUPERVISOR), client_id="yimatong-app", scopes=("openid",)
            )
            db.session.commit()
            _fill(size)
        client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
        for label, draft in DRAFTS.items():
            figures[(size, label)] = _measure(client, headers, draft, size, args.runs)
            wall, peak, body = figures[(size, label)]
            again = body["routed_again"]
            print(
                f"{size:>9,} last month, {label}: {wall:8.0f} ms, {again:,} routed again "
                f"({wall / max(again, 1) * 1000:6.1f} ms per 1,000), {body['changed']:,} would move, "
                f"peak Python memory {peak / 1e6:5.1f} MB",
                flush=True,
            )
        if size == max(args.sizes):
            with app.app_context():
                print("\none chunk's plan at the largest size:")
                print(_plan())
    small, large = min(args.sizes), max(args.sizes)
    for label in DRAFTS:
        (wall_s, peak_s, body_s), (wall_l, peak_l, body_l) = figures[(small, label)], figures[(large, label)]
        ratio = (wall_l / max(body_l["routed_again"], 1)) / (wall_s / max(body_s["routed_again"], 1))
        print(f"\n{label}: per complaint routed again, {large:,} ÷ {small:,} = {ratio:.2f} (linear: 1.0)")
        print(f"{label}: peak memory at {large:,} ÷ at {small:,} = {peak_l / peak_s:.2f} (flat: 1.0)")


def _last_month():
    from app.complaints import metrics
    from app.core.calendar import business_date

    return metrics.previous_month(business_date())


def _fill(size: int) -> None:
    """``size`` complaints spread over last month, and half as many in each month beside it."""
    from datetime import datetime, timedelta
    from datetime import time as midnight

    from app.core.calendar import SHANGHAI
    from app.extensions import db

    first, last = _last_month()
    month = datetime.combine(first, midnight(), SHANGHAI)
    span = ((last - first).days + 1) * 86400 - 1
    started = time.perf_counter()
    for tag, base, count in (
        ("M", month, size),
        ("B", month - timedelta(days=31), size // 2),
        ("A", month + timedelta(seconds=span + 1), size // 2),
    ):
        values = {"base": f"'{base.isoformat()}'", "count": count, "tag": f"'{tag}'", "span": span}
        db.session.execute(db.text(FILL % values))
    db.session.commit()
    db.session.execute(db.text("ANALYZE complaints"))
    db.session.commit()
    print(f"  filled {size * 2:,} complaints in {time.perf_counter() - started:.0f} s", flush=True)


def _measure(client, headers, draft: dict, size: int, runs: int) -> tuple[float, int, dict]:
    """A warm-up, one run under tracemalloc (its peak), then ``runs`` timed runs (their median)."""
    walls, peak, body = [], 0, {}
    for run in range(runs + 2):
        if run == 1:
            tracemalloc.start()
        started = time.perf_counter()
        answer = client.post("/api/v1/staff/routing-rules/dry-run", json={"rules": [draft]}, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if run == 1:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        body = answer.get_json()
        assert answer.status_code == 200, body
        assert body["replayed"] == size, (body["replayed"], size)
        if run > 1:
            walls.append(elapsed)
    return statistics.median(walls), peak, body


def _plan() -> str:
    from app.complaints import metrics
    from app.extensions import db

    since, until = metrics.period_bounds(*_last_month())
    statement = db.text(
        "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
        "SELECT created_at, id, category_id, description FROM complaints "
        "WHERE created_at >= :since AND created_at < :until AND (created_at, id) > (:since, :after) "
        "ORDER BY created_at, id LIMIT 1000"
    )
    rows = db.session.execute(
        statement, {"since": since, "until": until, "after": "00000000-0000-0000-0000-000000000000"}
    )
    return "\n".join(row[0] for row in rows)


if __name__ == "__main__":
    main()
