"""Every error is an RFC 9457 problem document in the caller's language."""

from unittest import mock

import pytest

from app.core.errors import RateLimited

PROBLEM = "application/problem+json"


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert body["type"] == "/problems/" + body["code"]
    assert body["title"] and body["detail"]
    return body


def test_unknown_route_is_a_problem_in_chinese_by_default(client):
    body = _problem(client.get("/api/v1/nowhere"), 404)
    assert body["title"] == "未找到"


@pytest.mark.parametrize(
    ("language", "title"),
    [("en-US,en;q=0.9", "Not found"), ("zh-TW", "未找到"), ("zh-HK", "未找到"), ("fr", "未找到")],
)
def test_accept_language_picks_the_catalog(client, language, title):
    response = client.get("/api/v1/nowhere", headers={"Accept-Language": language})
    assert _problem(response, 404)["title"] == title


def test_traditional_chinese_detail_differs_from_simplified(client):
    hans = client.get("/api/v1/me", headers={"Accept-Language": "zh-CN"}).get_json()
    hant = client.get("/api/v1/me", headers={"Accept-Language": "zh-Hant-TW"}).get_json()
    assert hans["detail"] == "请登录并发送有效的访问令牌。"
    assert hant["detail"] == "請登錄並發送有效的訪問令牌。"


def test_missing_token_is_401_with_www_authenticate(client):
    response = client.get("/api/v1/me")
    _problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_garbage_token_is_401(client):
    _problem(client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.token"}), 401)


def test_wrong_method_is_405_with_allow(client):
    response = client.delete("/healthz")
    _problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_400(client, resident, auth):
    response = client.patch(
        "/api/v1/me", data="{not json", headers=auth(resident, **{"Content-Type": "application/json"})
    )
    assert _problem(response, 400)["code"] == "bad-request"


def test_wrong_content_type_is_415(client, resident, auth):
    response = client.patch(
        "/api/v1/me", data="locale=en", headers=auth(resident, **{"Content-Type": "text/plain"})
    )
    _problem(response, 415)


def test_oversized_body_is_413(client, resident, auth, app):
    big = '{"display_name": "' + "x" * (app.config["MAX_CONTENT_LENGTH"] + 10) + '"}'
    response = client.patch(
        "/api/v1/me", data=big, headers=auth(resident, **{"Content-Type": "application/json"})
    )
    _problem(response, 413)


def test_validation_failure_is_422_with_localized_field_messages(client, resident, auth):
    response = client.patch(
        "/api/v1/me",
        json={"notification_channels": ["fax"], "bogus": 1},
        headers=auth(resident, **{"Accept-Language": "en"}),
    )
    body = _problem(response, 422)
    assert body["code"] == "validation-failed"
    assert body["errors"]["bogus"] == ["Unknown field."]
    assert body["errors"]["notification_channels"] == {"0": ["Must be one of: sms, telegram."]}
    zh = client.patch("/api/v1/me", json={"bogus": 1}, headers=auth(resident)).get_json()
    assert zh["errors"]["bogus"] == ["未知字段。"]
    assert zh["title"] == "校验失败"


def test_rate_limit_is_429_with_retry_after(client):
    with mock.patch("app.city.services.list_districts", side_effect=RateLimited(42)):
        response = client.get("/api/v1/city/districts")
    body = _problem(response, 429)
    assert response.headers["Retry-After"] == "42"
    assert body["retry_after"] == 42


def test_unexpected_error_is_500_without_internals(client):
    boom = RuntimeError("SELECT secret FROM people WHERE id = 7")
    with mock.patch("app.city.services.list_districts", side_effect=boom):
        response = client.get("/api/v1/city/districts", headers={"Accept-Language": "en"})
    body = _problem(response, 500)
    text = response.get_data(as_text=True)
    assert "SELECT" not in text and "Traceback" not in text
    assert body["title"] == "Internal server error"


def test_problem_types_are_listed(client):
    codes = {p["code"] for p in client.get("/problems").get_json()}
    assert {"validation-failed", "not-found", "rate-limited", "unsupported-media-type"} <= codes
