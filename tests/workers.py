"""Real RQ workers for the tests that need them: ``flask rq worker`` as a subprocess, waited on, killed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wait_until(
    condition: Callable[[], object], timeout: float = 60.0, interval: float = 0.05, what: str = ""
):
    """Poll ``condition`` until it is truthy (returned) or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(interval)


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


class Worker:
    """One ``flask rq worker`` process (with its work horses and scheduler) in its own process group."""

    def __init__(self, database_url: str, redis_url: str, *arguments: str, **settings: object):
        env = {
            **os.environ,
            "FLASK_APP": "wsgi.py",
            "YIMATONG_ENV": "test",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "JOBS_INLINE": "0",
            **{key: str(value) for key, value in settings.items()},
        }
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "-m", "flask", "rq", "worker", *arguments],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the worker and every process it started (work horses run in their own process group)."""
        for pid in [self.process.pid, *_descendants(self.process.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> str:
        """Warm shutdown (SIGTERM), then SIGKILL if it lingers; returns what it logged."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        with self.log:
            self.log.seek(0)
            return self.log.read().decode(errors="replace")

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc) -> None:
        print(self.stop())  # shown by pytest when the test fails
