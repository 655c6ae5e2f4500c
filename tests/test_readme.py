"""The README test: a copy of the checkout as a clone has it, the README's first command run exactly as
written, then the README's stories played against it as a newcomer would, step by step.

Embedded pass (no DATABASE_URL): ``./scripts/run-demo`` on SQLite with jobs inline. Server pass
(PostgreSQL and Redis): the README's production block (gunicorn and an RQ worker). Select with
``./scripts/test -m readme``. How a domain adds its story: README.md, "The README test".
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

import pytest

from tests import readme
from tests.databases import fresh_database

pytestmark = pytest.mark.readme

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
embedded_only = pytest.mark.skipif(
    bool(DATABASE_URL), reason="the embedded demo is played in the SQLite pass of ./scripts/test"
)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A copy of this checkout as a clone would have it, with a wheelhouse for its fresh venv."""
    return readme.copy_checkout(tmp_path_factory.mktemp("clone"))


@pytest.fixture(scope="module")
def newcomer_env():
    """A newcomer's terminal, whose pip installs from the wheelhouse instead of the network."""
    return readme.clean_environment(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(readme.wheelhouse()))


def play_stories(session: readme.Session, blocks: list[readme.Block]) -> int:
    """Every story of the README, in order, in one session; returns how many commands were checked."""
    stories = [block for block in blocks if block.is_story]
    assert stories, "README.md has no `sh readme-test` blocks"
    checked = 0
    for block in stories:
        for command in block.commands:
            session.run(command)
            checked += command.shows is not None
    return checked


# ---------------------------------------------------------------- the conventions themselves


def test_the_readme_marks_its_stories_and_what_each_step_shows():
    blocks = readme.readme_blocks()
    assert readme.first_command(blocks).text.startswith("./scripts/run-demo")
    stories = [b for b in blocks if b.is_story]
    headings = {b.heading for b in stories}
    for story in ("Signing in with an SMS code, step by step", "The city code, scanned"):
        assert story in headings
    checked = [c for b in stories for c in b.commands if c.shows]
    assert len(checked) >= 12
    production = [b for b in blocks if b.is_production]
    assert len(production) == 1
    assert [c.keeps_running for c in production[0].commands].count(True) == 2  # gunicorn and a worker


def test_parsing_joins_continuations_and_reads_markers():
    text = (
        "# Title\n\n```sh readme-test\n"
        "# a comment\n"
        'curl -s http://x \\\n  -d a=1    # shows: "valid": true\n'
        "./serve    # keeps running\n"
        "```\n"
    )
    (block,) = readme.parse_blocks(text)
    assert block.is_story and block.heading == "Title"
    first, second = block.commands
    assert first.text == 'curl -s http://x \\\n  -d a=1    # shows: "valid": true'
    assert first.line == 5 and first.shows == '"valid": true'
    assert second.keeps_running and second.shows is None


def test_shows_matches_compact_json_as_people_write_it():
    assert readme.shows('{"valid":true,"reason":null}', '"valid": true')
    assert not readme.shows('{"valid":false,"reason":"replayed"}', '"valid": true')
    assert readme.shows("line one\nline two", "two")


def test_export_lines_take_the_tests_values():
    command = readme.Command("export DATABASE_URL=postgresql://a/b REDIS_URL=redis://c/0 PORT=8000", 1)
    changed = readme.with_values(command, {"PORT": "5999", "DATABASE_URL": "postgresql://t/u"})
    assert changed.text == "export DATABASE_URL=postgresql://t/u REDIS_URL=redis://c/0 PORT=5999"


def test_a_session_fails_on_a_wrong_shows_and_on_a_hang(tmp_path, monkeypatch):
    session = readme.Session(tmp_path, readme.clean_environment())
    session.run(readme.Command("GREETING=hello", 1))
    assert session.run(readme.Command("echo $GREETING world", 2, shows="$GREETING world")) == "hello world\n"
    with pytest.raises(AssertionError, match="should show: goodbye"):
        session.run(readme.Command("echo $GREETING", 3, shows="goodbye"))
    # repeated until it shows: the second run finds the file the first one made
    once = "if [ -e made ]; then echo there; else touch made; fi"
    with pytest.raises(AssertionError, match="should show: there"):
        session.run(readme.Command(once, 4, shows="there"))
    (tmp_path / "made").unlink()
    assert session.run(readme.Command(once, 5, shows="there", within=5)) == "there\n"
    monkeypatch.setattr(readme, "COMMAND_TIMEOUT", 1)
    with pytest.raises(AssertionError, match="hung"):
        session.run(readme.Command("sleep 30", 4))


def test_the_copy_holds_uncommitted_files_and_leaves_venv_and_instance_behind(checkout):
    assert (checkout / "scripts" / "run-demo").stat().st_mode & 0o111
    assert (checkout / "tests" / "test_readme.py").is_file()
    assert not (checkout / ".venv").exists()
    assert not (checkout / "instance").exists()


# ---------------------------------------------------------------- the embedded demo


@embedded_only
def test_busy_port_fails_before_anything_says_serving(checkout, newcomer_env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(  # noqa: S603 - the README's first command
            ["bash", "-c", readme.first_command(readme.readme_blocks()).text],  # noqa: S607
            cwd=checkout,
            env={**newcomer_env, "PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode != 0
    assert "Serving" not in result.stdout + result.stderr
    assert f"port {port}" in result.stderr and "busy" in result.stderr


@embedded_only
def test_the_readme_on_the_embedded_demo(checkout, newcomer_env, capsys):
    blocks = readme.readme_blocks()
    before = {path.name for path in checkout.iterdir()}
    port = readme.free_port()
    session = readme.Session(checkout, {**newcomer_env, "PORT": str(port)})
    try:
        session.start(readme.first_command(blocks))
        seconds = session.wait_until_serving(port)
        assert f"Serving on http://127.0.0.1:{port}" in session.service_output()
        checked = play_stories(session, blocks)
        assert session.env["B"] == f"http://127.0.0.1:{port}"  # the stories followed PORT
    finally:
        session.close()
    left_behind = {path.name for path in checkout.iterdir()} - before - {".venv", "instance", "__pycache__"}
    assert not left_behind, f"the README's commands wrote into the repository: {left_behind}"
    with capsys.disabled():
        print(f"\nREADME test (embedded): serving after {seconds:.0f} s; {checked} steps checked")
        print(session.slowest())


# ---------------------------------------------------------------- PostgreSQL and Redis


@pytest.mark.postgres
@pytest.mark.redis
def test_the_readme_on_postgresql_and_redis(checkout, newcomer_env, capsys):
    import redis

    blocks = readme.readme_blocks()
    (production,) = [b for b in blocks if b.is_production]
    port = readme.free_port()
    values = {
        "DATABASE_URL": fresh_database(DATABASE_URL, "readme"),
        "REDIS_URL": REDIS_URL,
        "PORT": str(port),
    }
    redis.Redis.from_url(REDIS_URL).flushdb()
    shutil.rmtree(checkout / "instance", ignore_errors=True)
    session = readme.Session(checkout, newcomer_env)
    try:
        for command in production.commands:
            command = readme.with_values(command, values)
            if command.keeps_running:
                session.start(command)
            else:
                session.run(command)
        seconds = session.wait_until_serving(port)
        checked = play_stories(session, blocks)
    finally:
        session.close()
        redis.Redis.from_url(REDIS_URL).flushdb()
    assert not (checkout / "instance" / "yimatong.db").exists()  # everything went to PostgreSQL
    with capsys.disabled():
        print(f"\nREADME test (PostgreSQL + Redis): serving after {seconds:.0f} s; {checked} steps checked")
        print(session.slowest())
