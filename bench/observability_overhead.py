"""What the request id, the metrics and the access line cost per request, measured in-process.

    .venv/bin/python -m bench.observability_overhead [--requests 2000] [--rounds 7] [--json-logs]

Serves ``GET /healthz`` (the cheapest request, where the hooks weigh most) through the test client
on a temporary SQLite database, in rounds that alternate with and without the observability hooks
(``app.core.observability``), and prints the median CPU microseconds per request of each and their
difference. With ``--json-logs`` the access line is written (to /dev/null) as production does.
CPU time of this process only (``time.process_time``), so neighbours on the machine matter less
than for wall-clock figures.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json-logs", action="store_true")
    options = parser.parse_args()

    from app import create_app
    from app.core import observability
    from app.extensions import db

    directory = Path(tempfile.mkdtemp(prefix="ymt-overhead-"))
    app = create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{directory / 'bench.db'}",
        LOG_FORMAT="json" if options.json_logs else "text",
    )
    if options.json_logs:
        for handler in logging.getLogger().handlers:
            if getattr(handler, "yimatong_json", False):
                handler.setStream(Path("/dev/null").open("w"))  # noqa: SIM115 - lives as long as the run
    with app.app_context():
        db.create_all()
    client = app.test_client()
    hooks = (
        (app.before_request_funcs[None], observability._start_request),
        (app.after_request_funcs[None], observability._finish_request),
        (app.teardown_request_funcs[None], observability._end_request),
    )

    def per_request() -> float:
        started = time.process_time()
        for _ in range(options.requests):
            client.get("/healthz")
        return (time.process_time() - started) / options.requests * 1e6

    def without_hooks() -> float:
        saved = [list(funcs) for funcs, _ in hooks]
        for funcs, hook in hooks:
            funcs.remove(hook)
        try:
            return per_request()
        finally:
            for (funcs, _), original in zip(hooks, saved, strict=True):
                funcs[:] = original

    per_request()  # warm-up
    with_figures, without_figures, differences = [], [], []
    for round_number in range(options.rounds):
        pair = (per_request, without_hooks) if round_number % 2 == 0 else (without_hooks, per_request)
        first, second = pair[0](), pair[1]()
        on, off = (first, second) if pair[0] is per_request else (second, first)
        with_figures.append(on)
        without_figures.append(off)
        differences.append(on - off)
    line = "written (json)" if options.json_logs else "not written (text)"
    on, off = statistics.median(with_figures), statistics.median(without_figures)
    print(
        f"GET /healthz, {options.rounds} rounds of {options.requests}, access line {line}: "
        f"with hooks {on:.0f} µs, without {off:.0f} µs, difference {statistics.median(differences):.0f} µs "
        f"({min(differences):.0f} to {max(differences):.0f}) of CPU per request"
    )


if __name__ == "__main__":
    main()
