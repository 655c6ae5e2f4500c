"""Bill payment requests/s against a bare Flask JSON endpoint, both under the same gunicorn settings.

From the repository root, with the project's virtualenv, PostgreSQL and ``wrk`` (Debian package)::

    .venv/bin/python -m bench.bills                      # database yimatong_bench_bills on 127.0.0.1
    .venv/bin/python -m bench.bills --rounds 3 --duration 10 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/yimatong_bench_bills

What is measured, per round and interleaved (baseline first on even rounds, last on odd ones):

* ``baseline``: ``GET /`` of a bare Flask app answering a small JSON document;
* ``me``: ``GET /api/v1/me`` as the demo resident, the reference of a token check and one indexed read;
* ``bills-list``: ``GET /api/v1/bills?status=unpaid&limit=20`` as the demo resident (its demo bills);
* ``bill-pay``: ``POST /api/v1/bills/payments`` as a bench resident, one fresh unpaid bill and one
  fresh ``Idempotency-Key`` per request (a wrk Lua script walks through pre-seeded bills), so every
  request really claims its key, locks the bill, opens a sandbox charge and commits: 201 each time.

The figure for a scenario is the median over rounds of (scenario req/s / baseline req/s in the same
round), with the p50 and p99 latencies. The database is wiped and rebuilt by the migrations first.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/yimatong_bench_bills"
DEMO_PHONE = "+8613800000001"
BENCH_PHONE = "+8613900099990"
BENCH_ACCOUNT = "5201099992"

baseline_app = Flask(__name__)


@baseline_app.get("/")
def baseline_status():
    return {"status": "ok", "checks": {}}


# ---------------------------------------------------------------- preparing the database


def prepare_database(url: str, bills: int) -> tuple[str, str, list[str]]:
    """Rebuild the schema, load the demo, give a bench payer ``bills`` unpaid bills; tokens and bill ids."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.bills import services as bills_services
    from app.bills.models import Bill, BillStatus
    from app.core.models import utcnow
    from app.demo import seed_demo
    from app.extensions import db
    from app.identity import services as identity
    from app.identity import tokens

    engine = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = url.rsplit("/", 1)[1]
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, ACCESS_TOKEN_TTL_SECONDS=3600)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed_demo()
        resident = identity.person_by_phone(DEMO_PHONE)
        payer, _ = identity.get_or_create_person(BENCH_PHONE, "压测居民")
        water = bills_services.biller_by_code("gy-water")
        number = bills_services.bind_account(
            _person(payer), water.id, {"account_number": BENCH_ACCOUNT}, "压测居民"
        ).account_number
        due = bills_services.business_date() + timedelta(days=20)
        ids = [uuid.uuid4() for _ in range(bills)]
        rows = [
            {
                "id": bill_id,
                "created_at": utcnow(),
                "biller_id": water.id,
                "bill_no": f"BENCH-{i:06d}",
                "account_number": number,
                "period": "2026-10",
                "amount_fen": 3_000 + i % 50,
                "currency": "CNY",
                "due_date": due,
                "line_items": [],
                "status": BillStatus.UNPAID,
            }
            for i, bill_id in enumerate(ids)
        ]
        for start in range(0, len(rows), 5_000):
            db.session.execute(sa.insert(Bill), rows[start : start + 5_000])
        payer_token = tokens.issue_access_token(payer, client_id="bench", scopes=["openid"])
        resident_token = tokens.issue_access_token(resident, client_id="bench", scopes=["openid"])
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    return payer_token, resident_token, [str(bill_id) for bill_id in ids]


def _person(person):
    from app.core.actors import Actor, ActorKind

    return Actor(kind=ActorKind.PERSON, person_id=person.id)


# ---------------------------------------------------------------- servers and load


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(app_spec: str, port: int, workers: int, env: dict, log: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app_spec,
    ]
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    probe = f"http://127.0.0.1:{port}/healthz" if app_spec == "wsgi:app" else f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(probe, timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit(f"{app_spec} did not start; see {log}")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


PAY_SCRIPT = """
local ids = {%(ids)s}
local counter = 0
function setup(thread)
  thread:set("slot", counter)
  counter = counter + 1
end
function init(args)
  slot = tonumber(wrk.thread:get("slot"))
  stride = %(stride)d
  index = 0
end
function request()
  index = index + 1
  local id = ids[slot * stride + index]
  local body = '{"bill_ids": ["' .. id .. '"]}'
  local headers = {}
  headers["Authorization"] = "Bearer %(token)s"
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = "bench-" .. id
  return wrk.format("POST", "/api/v1/bills/payments", headers, body)
end
"""
GET_SCRIPT = """
wrk.headers["Authorization"] = "Bearer %(token)s"
"""

_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, script: str, args) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        output = subprocess.run(  # noqa: S603 - wrk with fixed arguments
            [
                shutil.which("wrk"),
                f"-t{args.threads}",
                f"-c{args.connections}",
                f"-d{args.duration}s",
                "--latency",
                "-s",
                handle.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=args.duration + 60,
        ).stdout
    finally:
        os.unlink(handle.name)
    latency = {int(p): float(v) * _UNITS[u] for p, v, u in _LATENCY.findall(output)}
    non_2xx = _NON_2XX.search(output)
    return {
        "rps": float(_RPS.search(output).group(1)),
        "p50": latency[50],
        "p99": latency[99],
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--bills-per-second", type=int, default=800, help="upper bound used to seed enough bills"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    stride = args.bills_per_second * (args.duration * args.rounds + args.warmup) // args.threads + 100
    payer_token, resident_token, ids = prepare_database(args.database_url, stride * args.threads)
    logs = Path(tempfile.mkdtemp(prefix="bench-bills-"))
    env = {**os.environ, "DATABASE_URL": args.database_url, "YIMATONG_ENV": "development", "REDIS_URL": ""}
    app_port, base_port = free_port(), free_port()
    servers = [
        start_gunicorn("wsgi:app", app_port, args.workers, env, logs / "app.log"),
        start_gunicorn("bench.bills:baseline_app", base_port, args.workers, env, logs / "baseline.log"),
    ]
    pay = PAY_SCRIPT % {"ids": ",".join(f'"{i}"' for i in ids), "stride": stride, "token": payer_token}
    scenarios = {
        "baseline": (f"http://127.0.0.1:{base_port}/", GET_SCRIPT % {"token": resident_token}),
        "me": (f"http://127.0.0.1:{app_port}/api/v1/me", GET_SCRIPT % {"token": resident_token}),
        "bills-list": (
            f"http://127.0.0.1:{app_port}/api/v1/bills?status=unpaid&limit=20",
            GET_SCRIPT % {"token": resident_token},
        ),
        "bill-pay": (f"http://127.0.0.1:{app_port}/", pay),
    }
    try:
        results = {name: [] for name in scenarios}
        warm = argparse.Namespace(**{**vars(args), "duration": args.warmup})
        for name in ("baseline", "me", "bills-list"):
            run_wrk(*scenarios[name], warm)
        for round_index in range(args.rounds):
            order = list(scenarios) if round_index % 2 == 0 else list(reversed(scenarios))
            for name in order:
                results[name].append(run_wrk(*scenarios[name], args))
        report(results, args)
    finally:
        for server in servers:
            stop(server)


def report(results: dict, args) -> None:
    print(
        f"# {args.rounds} rounds of {args.duration}s, wrk -t{args.threads} -c{args.connections}, "
        f"gunicorn -w {args.workers} sync, PostgreSQL"
    )
    print(f"{'scenario':<12} {'req/s':>9} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for name, runs in results.items():
        ratios = [run["rps"] / base["rps"] for run, base in zip(runs, results["baseline"], strict=True)]
        rps = statistics.median(r["rps"] for r in runs)
        p50 = statistics.median(r["p50"] for r in runs)
        p99 = statistics.median(r["p99"] for r in runs)
        errors = sum(r["errors"] for r in runs)
        print(f"{name:<12} {rps:>9.0f} {statistics.median(ratios):>6.3f} {p50:>8.2f} {p99:>8.2f} {errors:>8}")


if __name__ == "__main__":
    main()
