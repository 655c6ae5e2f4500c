"""Liveness and readiness, as a load balancer or an operator sees them."""

from __future__ import annotations

from unittest import mock

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.core.errors import Conflict
from app.extensions import db as _db
from tests.contract import assert_documented

PROBLEM = "application/problem+json"


def test_healthz_answers_without_touching_dependencies(client):
    with mock.patch.object(_db.session, "execute", side_effect=AssertionError("no database on /healthz")):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {}}


def test_a_request_that_touches_no_table_makes_no_database_session_and_no_limiter_context(app, monkeypatch):
    """Every request pays for what it uses: /healthz opens no session and checks no rate limit."""
    made = []
    registry = _db.session.registry
    create = registry.createfunc
    monkeypatch.setattr(registry, "createfunc", lambda: made.append("session") or create())
    client = app.test_client()
    healthz = client.get("/healthz")
    assert healthz.status_code == 200 and made == []
    assert not any(name.startswith("X-RateLimit") for name, _ in healthz.headers)

    assert client.get("/readyz").status_code == 200
    assert made == ["session"]  # the check can see a session being made
    limited = client.get("/api/v1/bills/receipts/verify", query_string={"code": "NOSUCHCODE"})
    assert limited.headers["X-RateLimit-Limit"] == "30"  # a limited view still tells its limit


def test_readyz_reports_the_database(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.redis
def test_readyz_reports_redis_when_configured(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def _database_down():
    refused = sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
    return mock.patch.object(_db.session, "execute", side_effect=refused)


def test_readyz_is_503_problem_when_the_database_is_unreachable(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    with _database_down():
        response = client.get("/readyz", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["code"] == "service-unavailable"
    assert body["title"] == "Service unavailable"
    assert body["detail"] == "Not ready: database unreachable."
    assert body["checks"] == {"database": "unreachable"}
    assert "SELECT" not in response.get_data(as_text=True)


def test_readyz_is_503_when_redis_is_configured_but_down(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["checks"] == {"database": "ok", "redis": "unreachable"}
    assert body["title"] == "服务暂不可用"
    assert body["detail"] == "尚未就绪：无法连接Redis。"


def test_the_not_ready_detail_names_the_dependency_in_the_callers_language(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    with _database_down():
        hant = client.get("/readyz", headers={"Accept-Language": "zh-TW"}).get_json()
    assert hant["detail"] == "尚未就緒：無法連接資料庫。"


def test_the_not_ready_problem_matches_the_documented_schema(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    with _database_down():
        response = client.get("/readyz")
    assert response.status_code == 503
    assert_documented(app, "GET", "/readyz", response)


class SlotTaken(Conflict):
    """What a booking domain would add: its own problem type."""

    code = "test-slot-taken"
    title = _l("Conflict")


def test_problem_catalogue_lists_kernel_and_domain_types_in_the_callers_language(client):
    response = client.get("/problems", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    types = {problem["code"]: problem for problem in response.get_json()}
    assert types["not-found"] == {
        "type": "/problems/not-found",
        "code": "not-found",
        "status": 404,
        "title": "Not found",
    }
    assert types["test-slot-taken"]["status"] == 409
    assert {"internal-error", "validation-failed", "rate-limited", "service-unavailable"} <= set(types)
    chinese = {problem["code"]: problem["title"] for problem in client.get("/problems").get_json()}
    assert chinese["internal-error"] == "服务器内部错误"


def test_a_draining_node_is_not_ready_but_alive(client, app, monkeypatch, tmp_path):
    drain = tmp_path / "drain"
    monkeypatch.setitem(app.config, "DRAIN_FILE", str(drain))
    assert client.get("/readyz").status_code == 200
    drain.touch()
    response = client.get("/readyz", headers={"Accept-Language": "en"})
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "Not ready: this node is draining."
    assert response.get_json()["checks"] == {"drain": "draining"}
    assert client.get("/healthz").status_code == 200
    drain.unlink()
    assert client.get("/readyz").status_code == 200
