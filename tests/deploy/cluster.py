"""Several app nodes on one PostgreSQL and one Redis, behind one nginx, with RQ workers beside them.

``Cluster`` builds what docs/deploy.md describes, on one machine: a database of its own (migrated,
demo data loaded), N gunicorn nodes started with ``deploy/gunicorn.conf.py`` (each its own process
group, metrics directory and node name, JSON logs), one nginx rendered from the shipped template
with every node in its upstream block, and RQ workers (``flask rq worker``). Every process gets the
same settings, as a deployment's secret store gives them. Nodes and workers can be killed
(SIGKILL, the whole process group) mid-run.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from tests.security.live import PORTS, ROOT, render_nginx, wait_for
from tests.workers import Worker

STARTUP_SECONDS = 120  # a busy machine takes a while to import the application in every process


def clone_database(template_url: str, suffix: str) -> str:
    """A copy of the (migrated, idle) database at ``template_url``, named after it plus ``suffix``.

    Copying the suite's own database, migrated to head when the session started and left empty by
    every test's rollback, spares the cluster a second run of every migration.
    """
    url = sa.engine.make_url(template_url)
    fresh = url.set(database=f"{url.database}_{suffix}")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{fresh.database}" WITH (FORCE)'))
        # Idle pooled connections of this test session (other apps the suite built) would block the
        # copy: end them; the suite pings every connection before use, so its pools reconnect.
        connection.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": url.database},
        )
        connection.execute(sa.text(f'CREATE DATABASE "{fresh.database}" TEMPLATE "{url.database}"'))
    admin.dispose()
    return fresh.render_as_string(hide_password=False)


def free_ports(count: int) -> list[int]:
    """``count`` different ports of 5300-5399 nobody listens on (held together while choosing)."""
    held: list[socket.socket] = []
    try:
        for port in PORTS:
            probe = socket.socket()
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                probe.close()
                continue
            held.append(probe)
            if len(held) == count:
                return [sock.getsockname()[1] for sock in held]
        raise RuntimeError(f"fewer than {count} free ports in 5300-5399")
    finally:
        for sock in held:
            sock.close()


@dataclass
class Node:
    """One app node: a gunicorn master and its workers, in a process group of their own."""

    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """The machine dies: SIGKILL to the master and every worker at once, nothing finishes."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def log_lines(self) -> list[dict]:
        """The node's JSON log lines (anything else it wrote is skipped)."""
        lines = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict):
                    lines.append(entry)
        return lines


@dataclass
class Cluster:
    """N nodes, one nginx, M workers; ``settings`` are every process's environment."""

    database_url: str
    redis_url: str
    settings: dict[str, str]
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ymt-cluster-")))
    nodes: list[Node] = field(default_factory=list)
    _spawned: list[Node] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    nginx_port: int | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "FLASK_APP": "wsgi.py",
            "YIMATONG_ENV": "development",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "JOBS_INLINE": "0",
            "LOG_FORMAT": "json",
            **self.settings,
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        return env

    @property
    def url(self) -> str:
        """Where residents reach the city: nginx."""
        return f"http://127.0.0.1:{self.nginx_port}"

    def flask(self, *arguments: str) -> str:
        """Run a ``flask`` command against the cluster's database; returns its output."""
        done = subprocess.run(  # noqa: S603 - our own command line
            [sys.executable, "-m", "flask", *arguments],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def seed(self) -> subprocess.Popen:
        """Start loading the demo city (the schema is there); the caller waits for it."""
        return subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "-m", "flask", "seed", "demo"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def start_nodes(self, names: list[str], workers: int = 2) -> list[Node]:
        """Start the nodes side by side (each on a port of its own) and wait until each answers."""
        ports = free_ports(len(names))
        pairs = zip(names, ports, strict=True)
        with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
            started = list(pool.map(lambda pair: self._spawn_node(*pair, workers=workers), pairs))
        self.nodes.extend(started)  # in the order named, whichever answered first
        return started

    def _spawn_node(self, name: str, port: int, workers: int = 2) -> Node:
        metrics = self.directory / f"metrics-{name}"
        metrics.mkdir()
        log_path = self.directory / f"{name}.log"
        env = {**self.env, "NODE_NAME": name, "GUNICORN_WORKERS": str(workers)}
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        with log_path.open("wb") as handle:
            process = subprocess.Popen(  # noqa: S603 - our own command line
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "deploy/gunicorn.conf.py",
                    "-b",
                    f"127.0.0.1:{port}",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        node = Node(name, port, process, log_path)
        self._spawned.append(node)  # stopped at the end even if it never answers
        wait_for(f"{node.url}/healthz", timeout=STARTUP_SECONDS)
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {log_path.read_text(errors='replace')[-2000:]}")
        return node

    def start_nginx(self) -> None:
        """nginx with the shipped server block, every node listed in its upstream."""
        (self.nginx_port,) = free_ports(1)
        first = f"127.0.0.1:{self.nodes[0].port}"
        config = render_nginx(self.nginx_port, first, self.directory)
        server_block = self.directory / "yimatong.conf"
        every = "\n    ".join(
            f"server 127.0.0.1:{node.port} max_fails=1 fail_timeout=30s;" for node in self.nodes
        )
        server_block.write_text(server_block.read_text().replace(f"server {first};", every, 1))
        with (self.directory / "nginx.log").open("wb") as handle:
            self.nginx = subprocess.Popen(  # noqa: S603 - our own command line
                [shutil.which("nginx") or "nginx", "-p", str(self.directory), "-c", str(config)],
                cwd=ROOT,
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(f"{self.url}/healthz", timeout=STARTUP_SECONDS)

    def start_worker(self, name: str, *arguments: str) -> Worker:
        settings = {**self.settings, "YIMATONG_ENV": "development", "LOG_FORMAT": "json", "NODE_NAME": name}
        worker = Worker(self.database_url, self.redis_url, "--name", name, *arguments, **settings)
        self.workers.append(worker)
        return worker

    def stop(self) -> dict[str, str]:
        """Stop everything still running; returns each worker's log."""
        logs = {}
        for index, worker in enumerate(self.workers):
            logs[f"worker-{index}"] = worker.stop()
        for process in [self.nginx, *(node.process for node in self._spawned)]:
            if process is None or process.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        shutil.rmtree(self.directory, ignore_errors=True)
        return logs
