"""Finding 9: webhooks never reach loopback, link-local (cloud metadata) or private addresses.

Refused at registration (address literals, and names that resolve there now), and again at delivery
after the worker resolves the name itself (a name may point elsewhere by then: DNS rebinding); the
worker connects to the address it checked.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest

from tests.security.helpers import assert_problem

ENDPOINTS = "/api/v1/staff/webhook-endpoints"


@pytest.fixture
def admin(make_person):
    return make_person("admin", name="管理员")


@pytest.fixture
def receiver():
    """An HTTP server on the loopback that records what reaches it."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append(dict(self.headers))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.seen = seen
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5300/hook",
        "http://localhost/hook",
        "http://api.localhost/hook",
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://10.1.2.3/hook",
        "http://172.16.0.1/hook",
        "http://192.168.1.1/hook",
        "http://100.64.0.1/hook",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://2130706433/hook",  # 127.0.0.1 written as one number
    ],
)
def test_registering_a_webhook_to_our_own_networks_is_refused(client, auth, admin, url):
    refused = client.post(ENDPOINTS, json={"client_id": "sec-water", "url": url}, headers=auth(admin))
    assert "url" in assert_problem(refused, 422)["errors"]


def _dns(answers: dict[str, list[str]]):
    """A resolver answering ``answers[host]`` (one list per call, the last one repeated)."""
    calls: dict[str, int] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host.replace(".", "").isdigit():  # an address literal (the pinned connection itself)
            return real(host, port, *args, **kwargs)
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        turn = min(calls.get(host, 0), len(answers[host]) - 1)
        calls[host] = calls.get(host, 0) + 1
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host][turn], port))]

    return mock.patch("app.core.outbound.socket.getaddrinfo", side_effect=getaddrinfo)


def _ping_delivery(client, auth, admin, endpoint_id):
    messages = client.get("/api/v1/staff/notifications?limit=50", headers=auth(admin)).get_json()["items"]
    (ping,) = [m for m in messages if m["dedupe_key"] == f"webhook-ping-{endpoint_id}"]
    detail = client.get(f"/api/v1/staff/notifications/{ping['id']}", headers=auth(admin)).get_json()
    return detail["deliveries"][0]


def test_a_name_that_resolves_to_the_loopback_at_delivery_is_not_called(client, auth, admin, receiver):
    port = receiver.server_address[1]
    url = f"http://hooks.sec.example:{port}/hook"
    with _dns({"hooks.sec.example": ["93.184.216.34", "127.0.0.1"]}):  # public when registered, then not
        created = client.post(ENDPOINTS, json={"client_id": "sec-water", "url": url}, headers=auth(admin))
        assert created.status_code == 201, created.get_json()
    delivery = _ping_delivery(client, auth, admin, created.get_json()["id"])
    assert delivery["status"] == "failed" and "refused" in delivery["error"]
    assert receiver.seen == [], "the worker must not reach the loopback"


def test_the_worker_connects_to_the_address_it_checked_under_the_original_name(client, auth, admin, receiver):
    port = receiver.server_address[1]
    url = f"http://hooks.sec.example:{port}/hook"
    with (
        _dns({"hooks.sec.example": ["127.0.0.1"]}),
        mock.patch("app.core.outbound.is_public", return_value=True),
    ):
        created = client.post(ENDPOINTS, json={"client_id": "sec-water", "url": url}, headers=auth(admin))
        assert created.status_code == 201, created.get_json()
    assert [headers["Host"] for headers in receiver.seen] == [f"hooks.sec.example:{port}"]
    assert _ping_delivery(client, auth, admin, created.get_json()["id"])["status"] == "delivered"
