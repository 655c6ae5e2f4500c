"""Resident memory of a gunicorn worker and of an RQ worker after a warm-up, as ``ps -o rss`` reads it.

Starts ``gunicorn --worker-class sync --workers 2 wsgi:app`` from a checkout (``--code``, default this
one) on a free loopback port, sends each path ``--requests`` times (the home, the directory search, a
list...), then reads each worker's RSS; then starts ``flask rq worker --no-fork`` (the production
worker of docs/notifications.md), lets it run its scheduler for ``--settle`` seconds and reads its RSS.
Both are stopped at the end. Uses DATABASE_URL and REDIS_URL from the environment (a database already
migrated and seeded: ``flask db upgrade && flask seed demo`` and ``python -m bench.home`` for a token).

Run: .venv/bin/python -m bench.rss --token "$TOKEN" [--code /work/main]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = (
    "/healthz",
    "/api/v1/me",
    "/api/v1/me/home",
    "/api/v1/services?q=jiaofei",
    "/api/v1/services?q=%E7%BC%B4%E8%B4%B9",
    "/api/v1/city/districts",
    "/api/v1/bills",
    "/api/v1/complaints",
    "/api/v1/me/inbox",
    "/api/v1/social-security/records",
)


def rss_mb(pid: int) -> float:
    """The process's resident set in MB (``ps -o rss``)."""
    command = ["ps", "-o", "rss=", "-p", str(pid)]
    out = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    return int(out.stdout.strip()) / 1024


def children(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    )  # noqa: S603,S607
    return [int(p) for p in out.stdout.split()]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", required=True)
    parser.add_argument("--code", default=str(ROOT), help="the checkout to run (its wsgi.py)")
    parser.add_argument("--requests", type=int, default=30, help="per path")
    parser.add_argument("--settle", type=float, default=20.0, help="seconds the RQ worker runs first")
    args = parser.parse_args()
    venv = ROOT / ".venv" / "bin"
    env = {**os.environ, "FLASK_APP": "wsgi.py", "PYTHONPATH": args.code}
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - the project's gunicorn
        [str(venv / "gunicorn"), "--worker-class", "sync", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"],
        cwd=args.code, env=env, start_new_session=True,
    )  # fmt: skip
    result: dict = {"code": args.code}
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        statuses = {}
        for path in PATHS:
            for _ in range(args.requests):
                request = urllib.request.Request(  # noqa: S310 - the loopback
                    f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {args.token}"}
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                        statuses[path] = response.status
                except urllib.error.HTTPError as error:
                    statuses[path] = error.code
        result["statuses"] = statuses
        result["gunicorn_workers_mb"] = [round(rss_mb(pid), 1) for pid in children(server.pid)]
        result["gunicorn_master_mb"] = round(rss_mb(server.pid), 1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    worker = subprocess.Popen(  # noqa: S603 - the project's flask
        [str(venv / "flask"), "rq", "worker", "--no-fork"], cwd=args.code, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(args.settle)
        result["rq_worker_mb"] = round(rss_mb(worker.pid), 1)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
