"""The README test's machinery: read README.md's shell blocks, copy the checkout, play the blocks.

The README is the test script. Its conventions (README.md, "The README test"):

- a fenced block whose info string is ``sh readme-test`` is a story: the README test runs its
  commands in order, in one shell session shared by every story (variables carry over);
- a block marked ``sh readme-test production`` sets up the PostgreSQL + Redis run; the test
  passes its own ``PORT``, ``DATABASE_URL`` and ``REDIS_URL`` through the ``export`` line;
- a command ending in ``# shows: TEXT`` must print TEXT (JSON output is compared as printed
  with ``json.dumps(..., ensure_ascii=False)``, so ``"valid": true`` matches ``{"valid":true}``);
- a command ending in ``# keeps running`` is a server or a worker: it is started in the background,
  and the test waits until ``http://127.0.0.1:$PORT/healthz`` answers before going on.

Every command runs with a time limit, and every curl with a 10 s client timeout (a ``.curlrc``
through ``CURL_HOME``), so a hang fails loudly instead of stalling the suite.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
STORY = "readme-test"
PRODUCTION = "production"
COMMAND_TIMEOUT = 240  # seconds for one README command (pip or a flask command on a busy machine)
SERVE_TIMEOUT = 300  # seconds for the first command to serve (a fresh venv is installed first)
CURL_TIMEOUT = 10

_SHOWS = re.compile(r"\s#\s*shows(?:\s+within\s+(?P<within>\d+)\s*s)?:\s*(?P<text>.+?)\s*$")
_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")
_KEEPS_RUNNING = re.compile(r"\s#.*\bkeeps running\b")
_HEADING = re.compile(r"^(#{1,6})\s+(?P<title>.+?)\s*$")
_FENCE = re.compile(r"^```(?P<info>.*)$")


@dataclass(frozen=True)
class Command:
    """One command as the README writes it (continuation lines included)."""

    text: str
    line: int
    shows: str | None = None
    keeps_running: bool = False
    within: int = 0  # seconds the command may be repeated until it shows (work done by a worker)

    @property
    def where(self) -> str:
        """``README.md:LINE`` and the command's first line."""
        return f"README.md:{self.line}: {self.text.splitlines()[0].strip()}"


@dataclass(frozen=True)
class Block:
    """A fenced code block: its info words, the heading above it and its commands."""

    heading: str
    line: int
    info: tuple[str, ...]
    commands: tuple[Command, ...]

    @property
    def is_story(self) -> bool:
        """Marked ``readme-test`` and not the production set-up."""
        return STORY in self.info and PRODUCTION not in self.info

    @property
    def is_production(self) -> bool:
        """The PostgreSQL + Redis set-up block."""
        return STORY in self.info and PRODUCTION in self.info


def parse_blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, with its commands."""
    blocks: list[Block] = []
    heading, inside, info, start, body = "", False, (), 0, []
    for number, line in enumerate(text.splitlines(), start=1):
        fence = _FENCE.match(line)
        if fence and not inside:
            inside, info, start, body = True, tuple(fence.group("info").split()), number, []
        elif fence and inside:
            blocks.append(Block(heading, start, info, tuple(_commands(body, start + 1))))
            inside = False
        elif inside:
            body.append(line)
        elif match := _HEADING.match(line):
            heading = match.group("title")
    return blocks


def _commands(lines: list[str], first_line: int) -> list[Command]:
    """Commands of a block: blank and comment-only lines skipped, ``\\`` continuations joined."""
    commands, pending, start = [], [], 0
    for offset, line in enumerate(lines):
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if not pending:
            start = first_line + offset
        pending.append(line)
        if line.endswith("\\"):
            continue
        last = pending[-1]
        shows = _SHOWS.search(last)
        commands.append(
            Command(
                text="\n".join(pending),
                line=start,
                shows=shows.group("text") if shows else None,
                keeps_running=bool(_KEEPS_RUNNING.search(last)),
                within=int(shows.group("within") or 0) if shows else 0,
            )
        )
        pending = []
    return commands


def readme_blocks() -> list[Block]:
    """The README's blocks."""
    return parse_blocks(README.read_text(encoding="utf-8"))


def first_command(blocks: list[Block]) -> Command:
    """The README's first command: the first line of its first code block."""
    return blocks[0].commands[0]


def shows(output: str, expected: str) -> bool:
    """The output contains the expected text, as printed or with JSON spaced as people write it."""
    if expected in output:
        return True
    try:
        document = json.loads(output)
    except ValueError:
        return False
    return expected in json.dumps(document, ensure_ascii=False)


def with_values(command: Command, values: dict[str, str]) -> Command:
    """The command with ``export NAME=value`` assignments of ``values``' names set to the test's own."""
    if not command.text.lstrip().startswith("export "):
        return command
    text = command.text
    for name, value in values.items():
        text = re.sub(rf"(?<![\w$]){name}=\S+", f"{name}={shlex.quote(value)}", text)
    return Command(text, command.line, command.shows, command.keeps_running, command.within)


def expand(text: str, env: dict[str, str]) -> str:
    """``$NAME`` and ``${NAME}`` replaced by the session's variables (unknown ones left as written)."""
    return _VARIABLE.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), text)


# ---------------------------------------------------------------- the checkout, copied as a clone has it


def copy_checkout(destination: Path) -> Path:
    """Copy what a clone of this checkout would hold: tracked files and uncommitted changes.

    Git's own list of tracked and untracked-but-not-ignored files, so ``.venv``, ``instance`` and
    other ignored files stay behind; files deleted in the work tree are not copied.
    """
    listed = subprocess.run(  # noqa: S603 - a fixed git command
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for raw in filter(None, listed):
        relative = raw.decode()
        source = ROOT / relative
        if not source.is_file():
            continue
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        target.chmod(source.stat().st_mode & 0o777)
    return destination


def wheelhouse() -> Path:
    """Wheels of requirements.txt kept between runs, so the copied checkout installs without a network.

    Filled once per machine from the configured package index; afterwards ``pip download`` only
    checks, offline, that every pinned requirement has its wheel.
    """
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "yimatong" / "wheelhouse"
    cache.mkdir(parents=True, exist_ok=True)
    pip = [str(ROOT / ".venv" / "bin" / "python"), "-m", "pip", "download", "-q", "-d", str(cache)]
    requirements = ["-r", str(ROOT / "requirements.txt")]
    offline = subprocess.run(  # noqa: S603 - our own pip
        [*pip, "--no-index", "--find-links", str(cache), *requirements], capture_output=True, check=False
    )
    if offline.returncode != 0:
        subprocess.run([*pip, *requirements], check=True, capture_output=True)  # noqa: S603
    return cache


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------- a shell session that plays the README


class Unshown(AssertionError):
    """A command ran but did not print what the README says it shows."""


@dataclass
class Transcript:
    """What each command printed, for the failure message."""

    entries: list[str] = field(default_factory=list)

    def add(self, command: Command, output: str, errors: str = "") -> None:
        """Record a command and what it printed."""
        self.entries.append(f"$ {command.where}\n{output.rstrip()}\n{errors.rstrip()}".rstrip())

    def __str__(self) -> str:
        return "\n".join(self.entries[-12:])


class Session:
    """One user's terminal: commands run one by one, exported and assigned variables carried over."""

    _BASH_OWN = {"PWD", "OLDPWD", "SHLVL", "_"}

    def __init__(self, checkout: Path, env: dict[str, str]):
        self.checkout = checkout
        self.home = Path(tempfile.mkdtemp(prefix="readme-session-"))
        (self.home / ".curlrc").write_text(f"max-time = {CURL_TIMEOUT}\nconnect-timeout = 5\n")
        self.env = {**env, "CURL_HOME": str(self.home)}
        self.cwd = checkout
        self.services: list[tuple[Command, subprocess.Popen, Path]] = []
        self.transcript = Transcript()
        self.timings: list[tuple[float, Command]] = []  # seconds each command took, repeats included

    # -- running commands

    def run(self, command: Command) -> str:
        """Run one command as the README writes it; fail on error, on a hang or on a missing ``shows``."""
        started = time.monotonic()
        deadline = started + command.within
        try:
            while True:
                try:
                    return self._run_once(command)
                except Unshown:
                    if time.monotonic() >= deadline:
                        raise
                    time.sleep(0.5)
        finally:
            self.timings.append((time.monotonic() - started, command))

    def slowest(self, count: int = 8) -> str:
        """The commands that took longest, for the test's summary line."""
        ranked = sorted(self.timings, key=lambda timing: timing[0], reverse=True)[:count]
        total = sum(seconds for seconds, _ in self.timings)
        lines = [f"  {seconds:5.1f} s  line {cmd.line}: {cmd.text[:80]}" for seconds, cmd in ranked]
        return f"{len(self.timings)} commands in {total:.0f} s; the slowest:\n" + "\n".join(lines)

    def _run_once(self, command: Command) -> str:
        state = self.home / "state"
        script = (
            "set -euo pipefail -a\n"
            f"{command.text}\n"
            f"env -0 > {shlex.quote(str(state))}; pwd > {shlex.quote(str(state))}.pwd\n"
        )
        process = subprocess.Popen(  # noqa: S603 - the README's own commands
            ["bash", "-c", script],  # noqa: S607
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            output, errors = process.communicate(timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            output, errors = process.communicate()
            self.transcript.add(command, output, errors)
            raise AssertionError(
                f"{command.where}\nhung: no answer within {COMMAND_TIMEOUT} s\n\n{self.transcript}\n"
                f"{self.service_logs()}"
            ) from None
        self.transcript.add(command, output, errors)
        if process.returncode != 0:
            raise AssertionError(
                f"{command.where}\nfailed with exit status {process.returncode}\n\n{self.transcript}\n"
                f"{self.service_logs()}"
            )
        expected = expand(command.shows, self.env) if command.shows is not None else None
        if expected is not None and not shows(output, expected):
            raise Unshown(
                f"{command.where}\nshould show: {expected}\nbut printed: {output.strip()}\n"
                f"{errors.strip()}\n\n{self.transcript}\n{self.service_logs()}"
            )
        self._load_state(state)
        return output

    def _load_state(self, state: Path) -> None:
        env = {}
        for entry in state.read_bytes().split(b"\0"):
            name, _, value = entry.decode(errors="replace").partition("=")
            if name and name not in self._BASH_OWN:
                env[name] = value
        self.env = env
        self.cwd = Path(Path(f"{state}.pwd").read_text().strip())

    def start(self, command: Command) -> None:
        """Start a command that keeps running (a server or a worker), its output kept in a log."""
        log = self.home / f"service-{len(self.services)}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(  # noqa: S603 - the README's own command
                ["bash", "-c", f"set -euo pipefail\n{command.text}"],  # noqa: S607
                cwd=self.cwd,
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.services.append((command, process, log))

    def wait_until_serving(self, port: int, timeout: float = SERVE_TIMEOUT) -> float:
        """Seconds until ``/healthz`` answers on ``port``; fails when a service dies or time runs out."""
        started = time.monotonic()
        url = f"http://127.0.0.1:{port}/healthz"
        while time.monotonic() - started < timeout:
            for command, process, _log in self.services:
                if process.poll() is not None:
                    raise AssertionError(
                        f"{command.where}\nstopped with exit status {process.returncode} "
                        f"before serving\n{self.service_logs()}"
                    )
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(url, timeout=CURL_TIMEOUT) as answer,  # noqa: S310 - loopback
            ):
                if answer.status == 200:
                    return time.monotonic() - started
            time.sleep(0.5)
        raise AssertionError(f"nothing served on {url} after {timeout} s\n{self.service_logs()}")

    def service_logs(self) -> str:
        """The last lines each background service printed."""
        parts = []
        for command, _process, log in self.services:
            lines = log.read_text(errors="replace").splitlines()[-40:] if log.exists() else []
            parts.append(f"--- {command.where}\n" + "\n".join(lines))
        return "\n".join(parts)

    def service_output(self, index: int = 0) -> str:
        """Everything a background service printed so far."""
        return self.services[index][2].read_text(errors="replace")

    def close(self) -> None:
        """Stop every background service (the whole process group of each)."""
        for _command, process, _log in self.services:
            _kill_group(process)


def _kill_group(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


def clean_environment(**values: str) -> dict[str, str]:
    """The environment a newcomer's terminal has: no test settings, no virtualenv, no database."""
    dropped = {"DATABASE_URL", "REDIS_URL", "FLASK_APP", "YIMATONG_ENV", "VIRTUAL_ENV", "JOBS_INLINE", "PORT"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("PYTEST")}
    venv_bin = str(ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return {**env, **values}
