"""CPU per request and statements per request of a few GET paths, in-process (the app's test client).

No HTTP server and no load generator: the figure is the CPU time of this one process per request
(``time.process_time``), which a busy shared machine disturbs far less than throughput, and the SQL
statements each request ran (transaction control aside). The database server's own CPU is not in it.
Paths are measured in interleaved rounds, so a neighbour's burst falls on all of them alike.

Run against a database seeded by ``bench.home`` (it prints the token), e.g.::

    export FLASK_APP=wsgi.py DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/yimatong_bench_perf
    .venv/bin/flask db upgrade && .venv/bin/flask seed demo
    .venv/bin/python -m bench.home | tail -1 > /tmp/home.json      # the token lives 10 minutes
    TOKEN=$(python3 -c 'import json; print(json.load(open("/tmp/home.json"))["token"])')
    .venv/bin/python -m bench.inprocess --token "$TOKEN" /api/v1/me /api/v1/me/home
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--token", required=True)
    parser.add_argument("--requests", type=int, default=300, help="per path and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()

    from sqlalchemy import event

    from app import create_app
    from app.extensions import db

    app = create_app()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {args.token}"}
    counted = {"n": 0}

    def count(_conn, _cursor, statement, *_):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")):
            counted["n"] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    statements: dict[str, int] = {}
    for path in args.paths:
        for _ in range(args.warmup):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True))
        counted["n"] = 0
        client.get(path, headers=headers)
        statements[path] = counted["n"]
    per_round: dict[str, list[float]] = {path: [] for path in args.paths}
    for n in range(args.rounds):
        order = args.paths if n % 2 == 0 else list(reversed(args.paths))
        for path in order:
            gc.collect()
            started = time.process_time()
            for _ in range(args.requests):
                client.get(path, headers=headers)
            per_round[path].append((time.process_time() - started) * 1000 / args.requests)
    first = args.paths[0]
    result = {}
    for path in args.paths:
        ratios = [a / b for a, b in zip(per_round[first], per_round[path], strict=True)]
        result[path] = {
            "cpu_ms_per_request": round(statistics.median(per_round[path]), 3),
            "cpu_ms_range": [round(min(per_round[path]), 3), round(max(per_round[path]), 3)],
            "statements": statements[path],
            f"cpu_ratio_to_{first}": round(statistics.median(ratios), 3),
        }
        print(
            f"{path:40} {result[path]['cpu_ms_per_request']:7.3f} ms CPU/request "
            f"({result[path]['cpu_ms_range'][0]:.3f}-{result[path]['cpu_ms_range'][1]:.3f}), "
            f"{statements[path]} statements, "
            f"{first} CPU / this CPU {result[path][f'cpu_ratio_to_{first}']:.2f}"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
