"""Real server processes for the security suite: gunicorn as deployed, nginx in front, their own database.

``LiveStack`` prepares a database (migrated, demo data loaded), starts gunicorn with
``deploy/gunicorn.conf.py`` and, when nginx is installed, nginx with the rendered
``deploy/nginx/yimatong.conf.template`` in front of it. Ports come from 5300-5399.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(5300, 5400)


def free_port() -> int:
    """A port of 5300-5399 nobody listens on."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5300-5399")


def wait_for(url: str, timeout: float = 120.0) -> None:
    """Poll ``url`` until it answers at all."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def render_nginx(listen: int, upstream: str, directory: Path) -> Path:
    """A standalone nginx configuration around the shipped server block, as an operator renders it."""
    template = (ROOT / "deploy" / "nginx" / "yimatong.conf.template").read_text(encoding="utf-8")
    server = string.Template(template).safe_substitute(
        YIMATONG_LISTEN=f"127.0.0.1:{listen}", YIMATONG_UPSTREAM=upstream
    )
    (directory / "yimatong.conf").write_text(server, encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = f"""{user}worker_processes 1;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/yimatong.conf;
}}
"""
    path = directory / "nginx.conf"
    path.write_text(main, encoding="utf-8")
    return path


class LiveStack:
    """gunicorn (and nginx in front) on a database of their own; ``redis_url`` may point nowhere."""

    def __init__(self, database_url: str, redis_url: str | None, workers: int = 2, **settings: str):
        self.directory = Path(tempfile.mkdtemp(prefix="ymt-live-"))
        self.env = {
            **os.environ,
            "FLASK_APP": "wsgi.py",
            "YIMATONG_ENV": "development",
            "DATABASE_URL": database_url,
            "GUNICORN_WORKERS": str(workers),
            **settings,
        }
        self.env.pop("REDIS_URL", None)
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.processes: list[subprocess.Popen] = []
        self.gunicorn_port = self.nginx_port = None

    def prepare_database(self) -> None:
        """Migrate and load the demo city (safe to repeat)."""
        for command in (["db", "upgrade"], ["seed", "demo"]):
            subprocess.run(  # noqa: S603 - our own command line
                [sys.executable, "-m", "flask", *command],
                cwd=ROOT,
                env=self.env,
                check=True,
                capture_output=True,
            )

    def start(self, with_nginx: bool = True) -> LiveStack:
        """Start gunicorn, then nginx in front of it when asked (and installed)."""
        self.gunicorn_port = free_port()
        self._spawn(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "deploy/gunicorn.conf.py",
                "-b",
                f"127.0.0.1:{self.gunicorn_port}",
                "wsgi:app",
            ],
            "gunicorn.log",
        )
        wait_for(f"{self.gunicorn_url}/healthz")
        if with_nginx and shutil.which("nginx"):
            self.nginx_port = free_port()
            config = render_nginx(self.nginx_port, f"127.0.0.1:{self.gunicorn_port}", self.directory)
            self._spawn(["nginx", "-p", str(self.directory), "-c", str(config)], "nginx.log")
            wait_for(f"{self.nginx_url}/healthz")
        return self

    def _spawn(self, command: list[str], log: str) -> None:
        with (self.directory / log).open("wb") as handle:  # the child keeps its own copy
            process = subprocess.Popen(  # noqa: S603 - our own command line
                command,
                cwd=ROOT,
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)

    @property
    def gunicorn_url(self) -> str:
        return f"http://127.0.0.1:{self.gunicorn_port}"

    @property
    def nginx_url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def flask(self, *arguments: str) -> str:
        """Run a ``flask`` command against this stack's database; returns its output."""
        done = subprocess.run(  # noqa: S603 - our own command line
            [sys.executable, "-m", "flask", *arguments],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def log(self, name: str) -> str:
        path = self.directory / name
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop what this stack started (its own process groups only)."""
        for process in reversed(self.processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        shutil.rmtree(self.directory, ignore_errors=True)


def raw(port: int, data: bytes, *, timeout: float = 10.0) -> bytes:
    """Send raw bytes (what an attacker's client writes) and read the answer until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        with contextlib.suppress(ConnectionResetError, socket.timeout):
            while chunk := sock.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received and _complete(received):
                    break
        return received


def _complete(received: bytes) -> bool:
    head, _, body = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


def parse(response: bytes) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of a raw HTTP/1.1 response."""
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body
