"""Measure an endpoint of the real app against a bare Flask JSON endpoint, both under gunicorn.

From the repository root, with the project's virtualenv::

    .venv/bin/python bench/run.py healthz me districts
    .venv/bin/python bench/run.py --path /api/v1/city/departments
    .venv/bin/python bench/run.py --path /api/v1/me --phone 13800000001 --rounds 3
    .venv/bin/python bench/run.py me --reset-database \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/yimatong_bench

The real app (``wsgi:app``) and the baseline (``bench.bare_app:app``) run under gunicorn with the
same settings, on a database the runner prepares (a temporary SQLite file by default). After a
warm-up, each round measures every scenario with ``wrk`` back to back with a baseline run; the
figure reported for a scenario is the median over rounds of (scenario req/s / baseline req/s).
docs/performance.md explains the method and records the figures.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from the repository root
    sys.path.insert(0, str(ROOT))

from bench.scenario import Scenario  # noqa: E402 - needs the repository root on the path

LOOPBACK = "127.0.0.1"
LOCAL_DATABASE_HOSTS = {None, "", "127.0.0.1", "localhost", "::1"}
BASELINE = "baseline"
WRK_INSTALL_HINT = (
    "wrk is not installed. It is the Debian/Ubuntu package `wrk`: sudo apt-get install wrk "
    "(or build it from https://github.com/wg/wrk). The runner has no other load generator."
)
# Upper bounds, so a typo cannot leave a load test running for hours.
MAX_DURATION_S = 120
MAX_WARMUP_S = 60
MAX_ROUNDS = 20
READY_TIMEOUT_S = 30
COMMAND_TIMEOUT_S = 300
MAX_TOKEN_SECONDS = 3600  # app.identity.tokens.MAX_ACCESS_TOKEN_SECONDS


# The scenario table: the kernel's and the first domains' hot paths here; each later domain keeps its
# own in bench/scenarios_<domain>.py (a SCENARIOS tuple), read in below.
SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("healthz", "/healthz", description="liveness: routing and a schema dump, no database"),
        Scenario(
            "me",
            "/api/v1/me",
            phone="13800000001",
            description="bearer JWT (Ed25519) verified, the person and their roles read by primary key",
        ),
        Scenario(
            "districts",
            "/api/v1/city/districts",
            description="public reference data: the districts and their streets",
        ),
        Scenario(
            "complaint_intake",
            "/api/v1/complaints",
            method="POST",
            phone="13800000001",
            body=(
                '{"category": "0202", "description": "花果园小区门口路灯坏了，晚上一片漆黑", '
                '"address": "南明区花果园街道", "location": {"lat": 26.5561, "lng": 106.6906}}'
            ),
            headers=("Content-Type: application/json",),
            expect=201,
            description="12345 intake: validation, locating, duplicate check, rule routing, timeline, outbox",
        ),
        Scenario(
            "bills_list",
            "/api/v1/bills?status=unpaid",
            phone="13800000001",
            description="the demo resident's unpaid bills: their accounts, then the bills of those accounts",
        ),
        Scenario(
            "bill_pay",
            "/api/v1/bills/payments",
            method="POST",
            expect=201,
            prepare="bench.bills:payment_script",
            description=(
                "pay a fresh bill with a fresh Idempotency-Key: key claimed, bill locked, intent, claim "
                "and sandbox charge written, response stored (PostgreSQL only)"
            ),
        ),
        Scenario(
            "citycode_verify",
            "/api/v1/citycode/verify",
            method="POST",
            expect=200,
            prepare="bench.citycode:verify_script",
            description="a gate scanner's online check: signature, expiry, revocation, replay, scan log",
        ),
    )
}


def _domain_scenarios() -> Iterator[Scenario]:
    for path in sorted(Path(__file__).resolve().parent.glob("scenarios_*.py")):
        yield from importlib.import_module(f"bench.{path.stem}").SCENARIOS


SCENARIOS.update({s.name: s for s in _domain_scenarios()})


@dataclass(frozen=True)
class LoadSettings:
    """How hard and how long wrk pushes, and how gunicorn serves."""

    threads: int = 2
    connections: int = 32
    duration: int = 10
    warmup: int = 5
    rounds: int = 5
    workers: int = 2


@dataclass
class WrkResult:
    """What one wrk run reported."""

    requests_per_sec: float
    requests: int
    latency_ms: dict[int, float]  # percentile -> milliseconds (50, 75, 90, 99)
    non_2xx_3xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    # CPU time the server's workers spent per request during the run (None where unknown)
    cpu_ms_per_request: float | None = None
    # (good, bad) when the scenario's script judges each response itself (its done() prints them)
    outcomes: tuple[int, int] | None = None

    @property
    def p50(self) -> float:
        return self.latency_ms[50]

    @property
    def p99(self) -> float:
        return self.latency_ms[99]


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


class WrkMissing(BenchError):
    """wrk is not installed."""


# ---------------------------------------------------------------- parsing wrk output

_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_duration_ms(text: str) -> float:
    """Milliseconds of a wrk time such as ``812.00us``, ``6.06ms`` or ``1.20s``."""
    text = text.strip()
    for unit in ("us", "ms", "s", "m", "h"):
        number = text.removesuffix(unit)
        if number != text:
            try:
                return float(number) * _TIME_UNITS_MS[unit]
            except ValueError:
                break
    raise BenchError(f"unreadable wrk time: {text!r}")


_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ", re.MULTILINE)
_PERCENTILE = re.compile(r"^\s+([\d.]+)%\s+([\d.]+[a-z]+)\s*$", re.MULTILINE)
_NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses:\s+(\d+)", re.MULTILINE)
_SOCKET_ERRORS = re.compile(r"^\s*Socket errors:(.*)$", re.MULTILINE)
_OUTCOMES = re.compile(r"^outcomes: (\d+) good, (\d+) bad$", re.MULTILINE)


def parse_wrk_output(output: str) -> WrkResult:
    """The requests/s, latency percentiles and errors in the text of ``wrk --latency``."""
    rps, total = _RPS.search(output), _TOTAL.search(output)
    _, _, distribution = output.partition("Latency Distribution")
    latency = {round(float(p)): parse_duration_ms(t) for p, t in _PERCENTILE.findall(distribution)}
    if rps is None or total is None or 50 not in latency or 99 not in latency:
        raise BenchError("wrk output without requests/s or latency distribution:\n" + output)
    non_2xx = _NON_2XX.search(output)
    socket_errors = _SOCKET_ERRORS.search(output)
    outcomes = _OUTCOMES.search(output)
    return WrkResult(
        requests_per_sec=float(rps.group(1)),
        requests=int(total.group(1)),
        latency_ms=latency,
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=_parse_socket_errors(socket_errors.group(1)) if socket_errors else {},
        outcomes=(int(outcomes.group(1)), int(outcomes.group(2))) if outcomes else None,
    )


def _parse_socket_errors(text: str) -> dict[str, int]:
    """``connect 0, read 3, write 0, timeout 2`` -> {"connect": 0, "read": 3, ...}."""
    errors = {}
    for part in text.split(","):
        name, count = part.split()
        errors[name] = int(count)
    return errors


# ---------------------------------------------------------------- ratios and summaries


@dataclass
class Pair:
    """One round of one scenario: the endpoint and the baseline, measured back to back."""

    endpoint: WrkResult
    baseline: WrkResult

    @property
    def ratio(self) -> float:
        """Endpoint requests/s divided by baseline requests/s."""
        return self.endpoint.requests_per_sec / self.baseline.requests_per_sec

    @property
    def cpu_ratio(self) -> float | None:
        """Baseline CPU per request divided by the endpoint's: the ratio a CPU-bound server would show."""
        ours, base = self.endpoint.cpu_ms_per_request, self.baseline.cpu_ms_per_request
        return base / ours if ours and base else None


Rounds = list[dict[str, Pair]]  # per round: scenario name -> its pair


def round_ratios(rounds: Rounds, name: str) -> list[float]:
    """Per round: the scenario's requests/s divided by the baseline's measured beside it."""
    return [r[name].ratio for r in rounds]


@dataclass
class Summary:
    """A scenario over all rounds: the median ratio and the medians of its own figures."""

    name: str
    ratio: float
    ratio_min: float
    ratio_max: float
    requests_per_sec: float
    p50_ms: float
    p99_ms: float
    baseline_requests_per_sec: float
    baseline_p50_ms: float
    baseline_p99_ms: float
    cpu_ratio: float | None = None
    cpu_ms_per_request: float | None = None
    baseline_cpu_ms_per_request: float | None = None


def summarize(rounds: Rounds, name: str) -> Summary:
    """Median of the per-round ratios, and median req/s, p50 and p99 of scenario and baseline."""
    ratios = round_ratios(rounds, name)
    ours = [r[name].endpoint for r in rounds]
    base = [r[name].baseline for r in rounds]
    return Summary(
        name=name,
        ratio=statistics.median(ratios),
        ratio_min=min(ratios),
        ratio_max=max(ratios),
        requests_per_sec=statistics.median(x.requests_per_sec for x in ours),
        p50_ms=statistics.median(x.p50 for x in ours),
        p99_ms=statistics.median(x.p99 for x in ours),
        baseline_requests_per_sec=statistics.median(x.requests_per_sec for x in base),
        baseline_p50_ms=statistics.median(x.p50 for x in base),
        baseline_p99_ms=statistics.median(x.p99 for x in base),
        cpu_ratio=_median_known(r[name].cpu_ratio for r in rounds),
        cpu_ms_per_request=_median_known(x.cpu_ms_per_request for x in ours),
        baseline_cpu_ms_per_request=_median_known(x.cpu_ms_per_request for x in base),
    )


def _median_known(values) -> float | None:
    """The median, or None unless every round knew the value."""
    values = list(values)
    return None if None in values else statistics.median(values)


def baseline_first(round_index: int) -> bool:
    """The baseline runs first in even rounds and second in odd ones, so drift cancels out."""
    return round_index % 2 == 0


# ---------------------------------------------------------------- wrk


def lua_string(value: str) -> str:
    """A Lua string literal of ``value``: printable ASCII kept, every other byte escaped."""
    out = []
    for byte in value.encode():
        char = chr(byte)
        if 32 <= byte < 127 and char not in '"\\':
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def wrk_script(method: str, body: str | None) -> str:
    """A wrk Lua script sending ``method`` with ``body`` (headers come from ``-H``)."""
    lines = [f"wrk.method = {lua_string(method)}"]
    if body is not None:
        lines.append(f"wrk.body = {lua_string(body)}")
    return "\n".join(lines) + "\n"


def wrk_command(
    url: str, settings: LoadSettings, seconds: int, headers: list[str], script: Path | None
) -> list[str]:
    """The wrk command line for one measurement."""
    command = ["wrk", f"-t{settings.threads}", f"-c{settings.connections}", f"-d{seconds}s"]
    command += ["--latency", "--timeout", "5s"]
    for header in headers:
        command += ["-H", header]
    if script is not None:
        command += ["-s", str(script)]
    return [*command, url]


@dataclass
class Target:
    """A URL under load with the headers and script its requests need."""

    name: str
    url: str
    method: str = "GET"
    body: str | None = None
    headers: list[str] = field(default_factory=list)
    script: Path | None = None
    expect: int = 200
    server_pid: int | None = None  # the gunicorn master whose workers' CPU time is counted
    probed: bool = True  # a scripted scenario writes its own requests: nothing to probe


def run_wrk(target: Target, settings: LoadSettings, seconds: int) -> WrkResult:
    """Load ``target`` for ``seconds`` and parse what wrk saw."""
    command = wrk_command(target.url, settings, seconds, target.headers, target.script)
    cpu_before = workers_cpu(target.server_pid)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=False)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk did not finish within {seconds + 30}s: {' '.join(command)}") from exc
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    result = parse_wrk_output(done.stdout)
    result.cpu_ms_per_request = cpu_per_request(cpu_before, workers_cpu(target.server_pid), result.requests)
    if target.expect < 400 and result.non_2xx_3xx:
        raise BenchError(
            f"{target.name}: {result.non_2xx_3xx} of {result.requests} responses were errors; "
            "the figures would measure failures. Check the server log above."
        )
    if result.outcomes is not None and (result.outcomes[1] or not result.outcomes[0]):
        good, bad = result.outcomes
        raise BenchError(
            f"{target.name}: {bad} of {good + bad} responses did not hold what the scenario expects "
            "(its script counts outcomes); the figures would measure another answer."
        )
    return result


# ---------------------------------------------------------------- server CPU time


def parse_proc_stat_cpu(stat: str, ticks_per_second: int) -> float:
    """User + system CPU seconds from the text of ``/proc/<pid>/stat`` (fields 14 and 15)."""
    after_name = stat.rsplit(")", 1)[1].split()  # the name may hold spaces; fields resume at 3
    return (int(after_name[11]) + int(after_name[12])) / ticks_per_second


def workers_cpu(master_pid: int | None) -> dict[int, float] | None:
    """CPU seconds used so far by each worker of a gunicorn master (None where /proc cannot say)."""
    if master_pid is None:
        return None
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        ticks = os.sysconf("SC_CLK_TCK")
        return {
            int(pid): parse_proc_stat_cpu(Path(f"/proc/{pid}/stat").read_text(), ticks) for pid in children
        }
    except (OSError, ValueError, IndexError):
        return None


def cpu_per_request(
    before: dict[int, float] | None, after: dict[int, float] | None, requests: int
) -> float | None:
    """Milliseconds of worker CPU per request, unless a worker came or went during the run."""
    if before is None or after is None or set(before) != set(after) or not requests:
        return None
    return sum(after[pid] - before[pid] for pid in after) * 1000 / requests


# ---------------------------------------------------------------- servers and database


def free_port() -> int:
    """A TCP port on the loopback interface nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def gunicorn_command(app_spec: str, port: int, settings: LoadSettings, log: Path) -> list[str]:
    """The same gunicorn settings for the app and the baseline: sync workers on the loopback."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--worker-class",
        "sync",
        "--workers",
        str(settings.workers),
        "--bind",
        f"{LOOPBACK}:{port}",
        "--no-control-socket",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
        app_spec,
    ]


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen) -> None:
    """Stop a gunicorn master and its workers (its own process group), forcefully if it lingers."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_ready(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited ({process.returncode}) before answering:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback URL we built
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise BenchError(f"{url} not ready after {READY_TIMEOUT_S}s:\n{_tail(log)}")


@dataclass(frozen=True)
class Server:
    """A running gunicorn: where it listens and its master's process id."""

    url: str
    pid: int


@contextmanager
def serve(app_spec: str, ready_path: str, env: dict, settings: LoadSettings, log: Path) -> Iterator[Server]:
    """Run ``app_spec`` under gunicorn until the block ends (also on error or Ctrl-C)."""
    port = free_port()
    command = gunicorn_command(app_spec, port, settings, log)
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    try:
        base_url = f"http://{LOOPBACK}:{port}"
        _wait_ready(process, base_url + ready_path, log)
        yield Server(base_url, process.pid)
    finally:
        _stop(process)


def check_database_url(url: str) -> str:
    """Refuse a database that is not on this machine: the runner migrates it and loads demo data."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.host not in LOCAL_DATABASE_HOSTS:
        raise BenchError(f"the benchmark database must be on the loopback interface, not {parsed.host}")
    return parsed.render_as_string(hide_password=True)


def app_environment(database_url: str, redis_url: str | None) -> dict[str, str]:
    """The environment of every app process: development settings on the chosen database."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "RATELIMIT_STORAGE_URI")}
    # Tokens live as long as the kernel allows, in the served app as in the commands that sign them
    # (the app refuses a token longer-lived than its own setting).
    env.update(
        YIMATONG_ENV="development",
        DATABASE_URL=database_url,
        FLASK_APP="wsgi.py",
        ACCESS_TOKEN_TTL_SECONDS=str(MAX_TOKEN_SECONDS),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def flask(env: dict, *args: str) -> str:
    """Run a ``flask`` command of the app against the benchmark database; return its output."""
    command = [sys.executable, "-m", "flask", *args]
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"`flask {' '.join(args)}` took longer than {COMMAND_TIMEOUT_S}s") from exc
    if done.returncode != 0:
        output = "\n".join((done.stderr or done.stdout).splitlines()[-12:])
        hint = ""
        if "InvalidTag" in output:
            hint = (
                "\nThis database holds data encrypted under another SECRET_KEY: run with the SECRET_KEY "
                "that seeded it, or start it afresh with --reset-database."
            )
        raise BenchError(f"`flask {' '.join(args)}` failed:\n{output}{hint}")
    return done.stdout


def reset_database(url: str) -> None:
    """Drop and recreate the public schema of a PostgreSQL database: every table and row goes."""
    import sqlalchemy as sa

    if not url.startswith("postgresql"):
        raise BenchError("--reset-database is for PostgreSQL (the default SQLite database is new each run)")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    except sa.exc.SQLAlchemyError as exc:
        raise BenchError(f"could not reset the database: {exc}") from exc
    finally:
        engine.dispose()


def prepare_database(env: dict) -> None:
    """Migrate the database and load the demo city (both idempotent)."""
    flask(env, "db", "upgrade")
    flask(env, "seed", "demo")


def access_token(env: dict, phone: str) -> str:
    """An access token for a demo person, signed with this database's key, valid for the whole run."""
    output = flask(env, "token", "--phone", phone)
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if not lines or lines[-1].count(".") != 2:
        raise BenchError(f"`flask token --phone {phone}` printed no token:\n{output}")
    return lines[-1]


def probe(target: Target) -> None:
    """Send the target's request once and insist on its expected status before loading it."""
    data = target.body.encode() if target.body is not None else None
    request = urllib.request.Request(target.url, data=data, method=target.method)  # noqa: S310
    for header in target.headers:
        name, _, value = header.partition(":")
        request.add_header(name.strip(), value.strip())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback URL we built
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    if status != target.expect:
        raise BenchError(
            f"{target.name}: {target.method} {target.url} answered {status}, expected {target.expect}:\n"
            + body.decode(errors="replace")[:2000]
        )


# ---------------------------------------------------------------- the run


def prepared_script(scenario: Scenario, env: dict, settings: LoadSettings) -> str:
    """Run a scenario's ``prepare`` function: the data it needs, and its wrk Lua script."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    module_name, _, function = scenario.prepare.partition(":")
    try:
        return getattr(importlib.import_module(module_name), function)(env, settings)
    except (RuntimeError, OSError, ValueError, subprocess.SubprocessError) as exc:
        raise BenchError(f"{scenario.name}: {exc}") from exc


def build_targets(
    scenarios: list[Scenario],
    app: Server,
    bare: Server,
    tokens: dict[str, str],
    workdir: Path,
    scripts: dict[str, str] | None = None,
) -> list[Target]:
    """The baseline first, then one target per scenario with its headers and wrk script."""
    targets = [Target(BASELINE, bare.url + "/", server_pid=bare.pid)]
    for scenario in scenarios:
        if scenario.name in (scripts or {}):
            script = workdir / f"{scenario.name}.lua"
            script.write_text(scripts[scenario.name])
            url = app.url + scenario.path
            targets.append(
                Target(scenario.name, url, scenario.method, None, [], script, scenario.expect, app.pid, False)
            )
            continue
        server = bare if scenario.served_by == "bare" else app
        headers = list(scenario.headers)
        if scenario.phone:
            headers.append(f"Authorization: Bearer {tokens[scenario.phone]}")
        if scenario.body is not None and not any(h.lower().startswith("content-type:") for h in headers):
            headers.append("Content-Type: application/json")
        script = None
        if scenario.method != "GET" or scenario.body is not None:
            script = workdir / f"{scenario.name}.lua"
            script.write_text(wrk_script(scenario.method, scenario.body))
        targets.append(
            Target(
                scenario.name,
                server.url + scenario.path,
                scenario.method,
                scenario.body,
                headers,
                script,
                scenario.expect,
                server_pid=server.pid,
            )
        )
    return targets


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _line(label: str, name: str, pair: Pair) -> str:
    ours, base = pair.endpoint, pair.baseline
    text = (
        f"{label:>5}  {name:<10} {ours.requests_per_sec:7.1f} req/s"
        f"  p50 {ours.p50:6.2f}  p99 {ours.p99:6.2f} ms"
        f"  | bare {base.requests_per_sec:7.1f} req/s  p99 {base.p99:6.2f} ms  | ratio {pair.ratio:.3f}"
        f"  | cpu/req {_fmt(ours.cpu_ms_per_request, '.3f')} vs {_fmt(base.cpu_ms_per_request, '.3f')} ms"
    )
    errors = {k: v for k, v in {**base.socket_errors, **ours.socket_errors}.items() if v}
    if errors:
        text += f"  socket errors {errors}"
    return text


def measure_pair(target: Target, baseline: Target, settings: LoadSettings, round_index: int) -> Pair:
    """The endpoint and the baseline back to back, in this round's order."""
    if baseline_first(round_index):
        base = run_wrk(baseline, settings, settings.duration)
        ours = run_wrk(target, settings, settings.duration)
    else:
        ours = run_wrk(target, settings, settings.duration)
        base = run_wrk(baseline, settings, settings.duration)
    return Pair(endpoint=ours, baseline=base)


def measure(targets: list[Target], settings: LoadSettings) -> Rounds:
    """Warm every target up, then run the rounds, printing each pair as it ends."""
    baseline, endpoints = targets[0], targets[1:]
    if settings.warmup:
        for target in targets:
            run_wrk(target, settings, settings.warmup)
            print(f"  warm-up  {target.name:<12} {settings.warmup}s done", flush=True)
    rounds = []
    for index in range(settings.rounds):
        results = {}
        for target in endpoints:
            results[target.name] = measure_pair(target, baseline, settings, index)
            print(_line(f"{index + 1}/{settings.rounds}", target.name, results[target.name]), flush=True)
        rounds.append(results)
    return rounds


def print_summary(summaries: list[Summary], scenarios: dict[str, Scenario]) -> None:
    """The figures to record: median ratio (and its spread), medians of req/s, p50, p99 and CPU."""
    print(
        f"\n{'scenario':<10} {'request':<28} {'ratio':>5} {'(min-max)':>11} {'req/s':>6} {'p50':>6} "
        f"{'p99 ms':>6} | {'bare req/s':>10} {'p50':>5} {'p99 ms':>6} | {'cpu ms/req':>10} {'bare':>5} "
        f"{'cpu ratio':>9}"
    )
    for s in summaries:
        scenario = scenarios[s.name]
        request = f"{scenario.method} {scenario.path}"
        print(
            f"{s.name:<10} {request[:28]:<28} {s.ratio:5.2f} {s.ratio_min:5.2f}-{s.ratio_max:<5.2f} "
            f"{s.requests_per_sec:6.0f} {s.p50_ms:6.2f} {s.p99_ms:6.2f} | "
            f"{s.baseline_requests_per_sec:10.0f} {s.baseline_p50_ms:5.2f} {s.baseline_p99_ms:6.2f} | "
            f"{_fmt(s.cpu_ms_per_request, '10.3f')} {_fmt(s.baseline_cpu_ms_per_request, '5.3f')} "
            f"{_fmt(s.cpu_ratio, '9.2f')}"
        )


def _bounded(low: int, high: int):
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring and docs/performance.md)."""
    parser = argparse.ArgumentParser(
        description="Measure app endpoints against a bare Flask JSON endpoint under the same gunicorn.",
        epilog="Scenarios: " + ", ".join(f"{n} ({s.method} {s.path})" for n, s in SCENARIOS.items()),
    )
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="named scenarios to measure")
    parser.add_argument("--list", action="store_true", help="list the named scenarios and exit")
    custom = parser.add_argument_group("a request of your own (instead of or besides named scenarios)")
    custom.add_argument("--path", help="path of the app to measure, e.g. /api/v1/city/departments")
    custom.add_argument("--name", default="custom", help="its name in the output [custom]")
    custom.add_argument("--method", default="GET", type=str.upper, help="HTTP method [GET]")
    custom.add_argument("--body", help="request body (sent as application/json unless --header says)")
    custom.add_argument("--phone", help="send an access token for this demo person, e.g. 13800000001")
    custom.add_argument("--header", action="append", default=[], help="extra 'Name: value' header")
    custom.add_argument("--expect", type=int, default=200, help="the status a working request gets [200]")
    load = parser.add_argument_group("load and server settings")
    load.add_argument("--threads", type=_bounded(1, 16), default=2, help="wrk threads [2]")
    load.add_argument("--connections", type=_bounded(1, 1024), default=32, help="wrk connections [32]")
    load.add_argument("--duration", type=_bounded(1, MAX_DURATION_S), default=10, help="seconds a run [10]")
    load.add_argument("--warmup", type=_bounded(0, MAX_WARMUP_S), default=5, help="warm-up seconds [5]")
    load.add_argument("--rounds", type=_bounded(1, MAX_ROUNDS), default=5, help="rounds [5]")
    load.add_argument("--workers", type=_bounded(1, 16), default=2, help="gunicorn sync workers [2]")
    where = parser.add_argument_group("database")
    where.add_argument("--database-url", help="a local database to migrate, seed and use [temporary SQLite]")
    where.add_argument(
        "--reset-database",
        action="store_true",
        help="drop every table of the --database-url (PostgreSQL) first: for a database kept for benchmarks",
    )
    where.add_argument("--redis-url", help="Redis for the app (default: none, like the embedded default)")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    return parser.parse_args(argv)


def chosen_scenarios(args: argparse.Namespace) -> list[Scenario]:
    """The named scenarios, plus the one --path describes; an error if there are none."""
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        raise BenchError(f"unknown scenario {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    chosen = [SCENARIOS[name] for name in dict.fromkeys(args.scenarios)]
    custom_options = args.phone or args.body is not None or args.header or args.method != "GET"
    if args.path:
        if not args.path.startswith("/"):
            raise BenchError("--path must start with /")
        if args.name in (BASELINE, *args.scenarios):
            raise BenchError(f"--name {args.name} is taken")
        chosen.append(
            Scenario(
                args.name, args.path, args.method, args.phone, args.body, tuple(args.header), args.expect
            )
        )
    elif custom_options:
        raise BenchError("--method, --body, --phone and --header describe a --path request; give --path")
    if not chosen:
        raise BenchError("name a scenario or give --path (--list shows the scenarios)")
    return chosen


def _settings(args: argparse.Namespace) -> LoadSettings:
    return LoadSettings(args.threads, args.connections, args.duration, args.warmup, args.rounds, args.workers)


def _versions() -> dict[str, str]:
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    import gunicorn

    return {
        "python": platform.python_version(),
        "gunicorn": gunicorn.__version__,
        "wrk": (wrk.stdout or wrk.stderr).split("Copyright")[0].strip(),
        "cpus": str(os.cpu_count()),
    }


def run(args: argparse.Namespace) -> dict:
    """Prepare the database, start both servers, measure, and return every figure."""
    scenarios = chosen_scenarios(args)
    settings = _settings(args)
    if shutil.which("wrk") is None:
        raise WrkMissing(WRK_INSTALL_HINT)
    versions = _versions()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="yimatong-bench-")))
        database_url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
        shown_database = check_database_url(database_url)
        env = app_environment(database_url, args.redis_url)
        if args.reset_database:
            print(f"database {shown_database}: dropping every table", flush=True)
            reset_database(database_url)
        print(f"database {shown_database}: migrating and loading the demo city", flush=True)
        prepare_database(env)
        per_pair = 2 * (settings.duration + 5)
        ttl = 600 + (len(scenarios) + 1) * settings.warmup + settings.rounds * len(scenarios) * per_pair
        if ttl > MAX_TOKEN_SECONDS:
            raise BenchError(
                f"the schedule outlasts an access token ({MAX_TOKEN_SECONDS} s): fewer rounds or scenarios"
            )
        tokens = {s.phone: access_token(env, s.phone) for s in scenarios if s.phone}
        scripts = {s.name: prepared_script(s, env, settings) for s in scenarios if s.prepare}
        app = stack.enter_context(serve("wsgi:app", "/healthz", env, settings, workdir / "app.log"))
        bare = stack.enter_context(serve("bench.bare_app:app", "/", env, settings, workdir / "bare.log"))
        targets = build_targets(scenarios, app, bare, tokens, workdir, scripts)
        for target in targets:
            if target.probed:
                probe(target)
        _print_header(settings, shown_database, versions)
        rounds = measure(targets, settings)
        summaries = [summarize(rounds, s.name) for s in scenarios]
        for log in ("app.log", "bare.log"):
            if (workdir / log).stat().st_size:
                print(f"--- {log} (last lines)\n{_tail(workdir / log, 10)}")
    print_summary(summaries, {s.name: s for s in scenarios})
    print(f"load average at the end: {_load_average()}")
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "versions": versions,
        "database": shown_database,
        "settings": asdict(settings),
        "scenarios": [asdict(s) for s in scenarios],
        "rounds": [{name: asdict(pair) for name, pair in r.items()} for r in rounds],
        "summary": [asdict(s) for s in summaries],
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"figures written to {args.json}")
    return report


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _print_header(settings: LoadSettings, database: str, versions: dict[str, str]) -> None:
    print(
        f"gunicorn {versions['gunicorn']} -k sync -w {settings.workers}; {versions['wrk']} "
        f"-t{settings.threads} -c{settings.connections} -d{settings.duration}s --latency; "
        f"warm-up {settings.warmup}s; {settings.rounds} rounds; Python {versions['python']}; "
        f"{versions['cpus']} CPUs; load average {_load_average()}",
        flush=True,
    )


def _terminate(signum, _frame):
    """SIGTERM and SIGHUP stop the run like Ctrl-C: through every ``finally`` that stops a server."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Entry point: 0 when every measurement ran, 1 on a failure, 2 without wrk, 130 on Ctrl-C."""
    args = parse_args(argv)
    if args.list:
        for name, s in SCENARIOS.items():
            print(f"{name:<12} {s.method} {s.path}  {s.description}")
        return 0
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        run(args)
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped", file=sys.stderr)
        return 130
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2 if isinstance(error, WrkMissing) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
