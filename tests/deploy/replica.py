"""A real streaming replica of the test server, started by a test on this machine.

``pg_basebackup -R`` copies the primary (``DATABASE_URL``'s server) into a temporary directory and
writes the standby settings; ``pg_ctl`` starts it on a free port of the loopback, as the ``postgres``
operating-system user when the test runs as root (PostgreSQL refuses to run as root). No replication
slot is made, so a replica that dies leaves nothing behind on the primary. The primary must accept
replication connections from 127.0.0.1 (``.ci/run`` adds the ``pg_hba.conf`` line).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

# A hot standby must allow at least what its primary does.
COPIED_SETTINGS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


class ReplicaUnavailable(RuntimeError):
    """The replica could not be made or started (the reason is the message)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _binaries(major: int) -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    matching = [path for path in found if f"/postgresql/{major}/" in path]
    if not (matching or found):
        raise ReplicaUnavailable("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return Path((matching or found)[-1]).parent


class StreamingReplica:
    """A hot standby of the primary at ``primary_url``, streaming from it while it runs."""

    def __init__(self, primary_url: str):
        self.primary_url = make_url(primary_url)
        self.primary = sa.create_engine(self.primary_url, poolclass=sa.pool.NullPool)
        self.port = _free_port()
        self.url = self.primary_url.set(host="127.0.0.1", port=self.port).render_as_string(
            hide_password=False
        )
        self.engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        self.root = Path(tempfile.mkdtemp(prefix="yimatong-replica-"))
        self.data = self.root / "data"
        self.log = self.root / "replica.log"
        self.as_postgres = os.geteuid() == 0

    # --- making and running it ---------------------------------------------------------------------

    def start(self) -> StreamingReplica:
        """Copy the primary and start the copy as its standby; wait until it answers in recovery."""
        with self.primary.connect() as connection:
            major = int(connection.scalar(sa.text("SHOW server_version_num"))) // 10000
            settings = {name: connection.scalar(sa.text(f"SHOW {name}")) for name in COPIED_SETTINGS}
        self.bin = _binaries(major)
        if self.as_postgres:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self._run(
            "pg_basebackup",
            "-h", str(self.primary_url.host or "127.0.0.1"),
            "-p", str(self.primary_url.port or 5432),
            "-U", self.primary_url.username or "postgres",
            "-D", str(self.data),
            "-X", "stream", "-R", "-c", "fast", "--no-sync",
            timeout=300,
        )  # fmt: skip
        self._configure(settings)
        self.start_server()
        return self

    def _configure(self, settings: dict) -> None:
        lines = [
            f"port = {self.port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.root}'",
            "hot_standby = on",
            "shared_buffers = 32MB",
            "fsync = off",
            *(f"{name} = {value}" for name, value in settings.items()),
        ]
        self._write("postgresql.conf", "\n".join(lines) + "\n")
        self._write("pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n")
        self._write("pg_ident.conf", "")

    def _write(self, name: str, text: str) -> None:
        path = self.data / name
        path.write_text(text)
        if self.as_postgres:
            account = pwd.getpwnam("postgres")
            os.chown(path, account.pw_uid, account.pw_gid)

    def start_server(self, timeout: float = 120) -> None:
        """Start (again) the standby and wait until it answers, in recovery (a busy machine is slow)."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-W", "start", timeout=60)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.engine.connect() as connection:
                    if connection.scalar(sa.text("SELECT pg_is_in_recovery()")):
                        return
                raise ReplicaUnavailable("the copy started as a primary, not as a standby")
            except sa.exc.OperationalError as exc:
                if time.monotonic() > deadline:
                    log = self.log_tail()
                    raise ReplicaUnavailable(f"the replica does not answer: {exc}\n{log}") from exc
                time.sleep(0.2)

    def stop_server(self) -> None:
        """Stop the standby at once (its data stays; ``start_server`` brings it back)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60, check=False)

    def remove(self) -> None:
        """Stop it and delete its directory."""
        if (self.data / "postmaster.pid").exists():
            self.stop_server()
        self.primary.dispose()
        self.engine.dispose()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self) -> str:
        """The end of the replica's server log."""
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def _run(self, program: str, *args: str, timeout: int, check: bool = True) -> None:
        command = [str(self.bin / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.root)  # noqa: S603
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ReplicaUnavailable(f"{program}: {exc}") from exc
        if check and done.returncode != 0:
            raise ReplicaUnavailable(f"{program} failed: {done.stderr.strip()}\n{self.log_tail()}")

    # --- replay ------------------------------------------------------------------------------------

    def caught_up(self, timeout: float = 30) -> None:
        """Wait until the replica has replayed everything the primary has written until now."""
        with self.primary.connect() as connection:
            written = connection.scalar(sa.text("SELECT pg_current_wal_lsn()::text"))
        deadline = time.monotonic() + timeout
        query = sa.text("SELECT pg_last_wal_replay_lsn() >= CAST(:written AS pg_lsn)")
        while True:
            with self.engine.connect() as connection:
                if connection.scalar(query, {"written": written}):
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"the replica did not catch up with {written}\n{self.log_tail()}")
            time.sleep(0.05)

    def pause(self) -> None:
        """Stop replaying what the primary streams (it keeps receiving it), and wait until it has."""
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_wal_replay_pause()"))
            for _ in range(200):
                state = connection.scalar(sa.text("SELECT pg_get_wal_replay_pause_state()"))
                if state in ("paused", "pause requested"):  # requested: no further record is replayed
                    return
                time.sleep(0.05)
        raise AssertionError("the replica did not pause its replay")

    def resume(self) -> None:
        """Replay again."""
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_wal_replay_resume()"))

    def scalar(self, sql: str, **params):
        """One value read on the replica itself."""
        with self.engine.connect() as connection:
            return connection.scalar(sa.text(sql), params)
