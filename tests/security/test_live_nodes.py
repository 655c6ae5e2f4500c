"""Findings 3, 7 and 16 against real server processes: gunicorn as deployed, nginx in front, Redis gone.

The stack runs ``deploy/gunicorn.conf.py`` (two sync workers) behind nginx with the shipped
``deploy/nginx/yimatong.conf.template``, on a database of its own with the demo data, and with its
Redis pointed at a port nobody listens on for the whole module.

* 7: connections that send headers and then nothing (or headers a byte at a time) do not freeze the
  server behind nginx; the same clients straight at gunicorn do (that is why nginx is in front).
* 16: what nginx or gunicorn refuse before the application sees it (bad request line, request line
  or headers too long, bodies too large, chunked or not) is a problem document with nosniff.
* 3: with Redis unreachable, sign-in codes, client-credentials tokens and signed-in requests work
  (rate limits count in memory), and online city-code verification answers 503, never 500.
"""

from __future__ import annotations

import json
import shutil
import socket
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from app.core import errors
from tests.conftest import DATABASE_URL, IN_CI, ON_POSTGRES
from tests.security.conftest import UNREACHABLE_REDIS
from tests.security.live import LiveStack, parse, raw

HAS_NGINX = shutil.which("nginx") is not None
needs_nginx = pytest.mark.skipif(
    not HAS_NGINX and not IN_CI, reason="needs nginx (Debian package nginx; .ci/run installs it)"
)


def _live_database(tmp_path_factory) -> str:
    if not ON_POSTGRES:
        return f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}"
    url = sa.engine.make_url(DATABASE_URL)
    live = url.set(database=f"{url.database}_live")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{live.database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{live.database}"'))
    admin.dispose()
    return live.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """gunicorn (2 sync workers) behind nginx, Redis unreachable, the demo city loaded."""
    if IN_CI and not HAS_NGINX:
        pytest.fail("CI must have nginx installed (.ci/run installs it)")
    live = LiveStack(_live_database(tmp_path_factory), UNREACHABLE_REDIS, workers=2, PROXY_FIX_HOPS="1")
    try:
        live.prepare_database()
        live.start(with_nginx=HAS_NGINX)
        yield live
    finally:
        live.stop()


def _slow_clients(port: int, count: int) -> list[socket.socket]:
    """Connections that send complete headers announcing a body, then one byte of it, then nothing."""
    held = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(
            b"POST /api/v1/auth/otp HTTP/1.1\r\nHost: yimatong\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
        held.append(sock)
    return held


def _slowloris(port: int, count: int) -> list[socket.socket]:
    """Connections that send a request line and part of a header, never finishing the headers."""
    held = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: yimatong\r\nX-Slow: a")
        held.append(sock)
    return held


# --- 7: slow clients ------------------------------------------------------------------------------


@needs_nginx
def test_slow_clients_do_not_freeze_the_server_behind_nginx(stack):
    held = _slow_clients(stack.nginx_port, 16) + _slowloris(stack.nginx_port, 16)
    try:
        for _ in range(5):
            assert httpx.get(f"{stack.nginx_url}/healthz", timeout=10).status_code == 200
        refused = httpx.get(f"{stack.nginx_url}/api/v1/me", timeout=10)
        assert refused.status_code == 401 and refused.headers["content-type"].startswith(
            "application/problem+json"
        )
    finally:
        for sock in held:
            sock.close()


def test_without_nginx_a_few_slow_clients_hold_every_sync_worker(stack):
    # Why the production shape has nginx in front: gunicorn alone waits on the client.
    held = _slow_clients(stack.gunicorn_port, 4)
    try:
        with pytest.raises(httpx.TimeoutException):
            httpx.get(f"{stack.gunicorn_url}/healthz", timeout=3)
    finally:
        for sock in held:
            sock.close()


def test_the_shipped_gunicorn_settings_listen_on_the_loopback_with_limits():
    settings: dict = {}
    exec(compile(Path("deploy/gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), settings)  # noqa: S102
    assert settings["bind"].startswith("127.0.0.1:")
    assert settings["limit_request_line"] <= 8190 and settings["limit_request_field_size"] <= 8190
    assert settings["limit_request_fields"] <= 100


# --- 16: refusals before the application ------------------------------------------------------------

BIG = b"x" * (3 * 1024 * 1024)
REFUSALS = {
    "request line too long": (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: yimatong\r\n\r\n", 414),
    "header too large": (
        b"GET /healthz HTTP/1.1\r\nHost: yimatong\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
        431,
    ),
    "malformed request line": (b"GARBAGE\r\n\r\n", 400),
    "body too large": (
        b"POST /api/v1/auth/otp HTTP/1.1\r\nHost: yimatong\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(BIG) + BIG,
        413,
    ),
    "chunked body too large": (
        b"POST /api/v1/auth/otp HTTP/1.1\r\nHost: yimatong\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n%s\r\n0\r\n\r\n" % (len(BIG), BIG),
        413,
    ),
}


def _assert_problem(answer: bytes, status: int) -> dict:
    code, headers, body = parse(answer)
    assert code == status, answer[:300]
    assert headers["content-type"].startswith("application/problem+json"), headers
    assert headers["x-content-type-options"] == "nosniff"
    document = json.loads(body)
    assert document["status"] == status and document["type"].startswith("/problems/") and document["title"]
    return document


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_gunicorns_own_refusals_are_problem_documents(stack, case):
    request, status = REFUSALS[case]
    _assert_problem(raw(stack.gunicorn_port, request), status)


@needs_nginx
@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_nginxs_refusals_are_problem_documents(stack, case):
    request, status = REFUSALS[case]
    _assert_problem(raw(stack.nginx_port, request), status)


@needs_nginx
@pytest.mark.parametrize(
    ("language", "locale"), [("en-US", "en"), ("zh-TW", "zh-Hant"), ("zh-CN", "zh-Hans")]
)
def test_nginxs_refusals_speak_the_clients_language_as_the_application_does(app, stack, language, locale):
    request = (
        b"POST /api/v1/auth/otp HTTP/1.1\r\nHost: yimatong\r\nAccept-Language: %s\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (language.encode(), len(BIG))
    ) + BIG
    answer = raw(stack.nginx_port, request)
    document = _assert_problem(answer, 413)
    assert parse(answer)[1]["content-language"] == locale
    with app.test_request_context(headers={"Accept-Language": language}):
        assert document == errors.PayloadTooLarge().to_problem() | {"title": document["title"]}
        assert document["title"] == str(errors.PayloadTooLarge.title)


@needs_nginx
def test_proxied_answers_say_nosniff_once(stack):
    answer = httpx.get(f"{stack.nginx_url}/api/v1/me", timeout=10)
    assert answer.headers.get_list("x-content-type-options") == ["nosniff"]


# --- 3: Redis unreachable ---------------------------------------------------------------------------


def _url(stack) -> str:
    return stack.nginx_url if stack.nginx_port else stack.gunicorn_url


def test_sign_in_codes_are_sent_and_still_limited_while_redis_is_down(stack):
    statuses = []
    for _ in range(21):  # two workers, each counting 10 a minute in memory: the 21st must be refused
        phone = f"+86137{uuid.uuid4().int % 10**8:08d}"
        answer = httpx.post(f"{_url(stack)}/api/v1/auth/otp", json={"phone": phone}, timeout=10)
        statuses.append(answer.status_code)
    assert set(statuses) <= {202, 429}, statuses
    assert statuses[0] == 202 and 429 in statuses


def test_institutions_get_tokens_and_residents_call_the_api_while_redis_is_down(stack):
    gate = httpx.post(
        f"{_url(stack)}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("demo-gate-scanner", "demo-gate-scanner-secret"),
        timeout=10,
    )
    assert gate.status_code == 200, gate.text
    person = stack.flask("token", "--phone", "13800000001").strip()
    me = httpx.get(f"{_url(stack)}/api/v1/me", headers={"Authorization": f"Bearer {person}"}, timeout=10)
    assert me.status_code == 200, me.text


def test_online_verification_is_a_503_problem_while_redis_is_down(stack):
    gate = httpx.post(
        f"{_url(stack)}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("demo-gate-scanner", "demo-gate-scanner-secret"),
        timeout=10,
    ).json()["access_token"]
    person = stack.flask("token", "--phone", "13800000001").strip()
    code = httpx.get(
        f"{_url(stack)}/api/v1/me/citycode", headers={"Authorization": f"Bearer {person}"}, timeout=10
    ).json()["code"]
    answer = httpx.post(
        f"{_url(stack)}/api/v1/citycode/verify",
        json={"code": code, "purpose": "transit"},
        headers={"Authorization": f"Bearer {gate}"},
        timeout=10,
    )
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "citycode-check-unavailable" and answer.headers["retry-after"]


def test_the_stack_logged_no_server_error(stack):
    assert "Traceback" not in stack.log("gunicorn.log"), stack.log("gunicorn.log")[-3000:]
