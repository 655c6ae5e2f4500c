"""Finding 8: bodies built to break the parser get a 4xx problem document before any sign-in, never a 500."""

from __future__ import annotations

import pytest

from tests.security.helpers import assert_problem


@pytest.mark.parametrize("depth", [40, 1_000, 100_000])
def test_deeply_nested_json_is_a_bad_request(client, depth):
    body = "[" * depth + "]" * depth
    response = client.post("/api/v1/auth/otp", data=body, content_type="application/json")
    problem = assert_problem(response, 400)
    assert "32" in problem["detail"]


def test_nesting_within_the_limit_reaches_validation(client):
    body = '{"phone": ' + "[" * 30 + "]" * 30 + "}"
    assert_problem(client.post("/api/v1/auth/otp", data=body, content_type="application/json"), 422)


@pytest.mark.parametrize("digits", [40, 4_301, 100_000])
def test_an_integer_of_thousands_of_digits_is_a_bad_request(client, digits):
    body = '{"phone": ' + "9" * digits + "}"
    response = client.post("/api/v1/auth/otp", data=body, content_type="application/json")
    assert "32" in assert_problem(response, 400)["detail"]


def test_deep_json_on_an_idempotent_route_is_a_bad_request_too(client, auth, resident):
    body = "[" * 5_000 + "]" * 5_000
    response = client.post(
        "/api/v1/bills/payments",
        data=body,
        content_type="application/json",
        headers=auth(resident, **{"Idempotency-Key": "deep-1"}),
    )
    assert_problem(response, 400)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/oauth/token", {"grant_type": "client_credentials", "client_id": "demo\x00", "client_secret": "x"}),
        ("/oauth/token", {"grant_type": "authorization_code", "client_id": "x", "code": "a\x00b"}),
        ("/oauth/revoke", {"token": "a\x00b", "client_id": "demo\x00"}),
    ],
)
def test_a_nul_in_an_oauth_parameter_is_an_oauth_error(client, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"] == "invalid_request"


def test_a_nul_in_the_client_id_of_an_authorization_request_is_an_error_page(client):
    response = client.get(
        "/oauth/authorize?response_type=code&client_id=demo%00&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback"
    )
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "invalid_request" in response.get_data(as_text=True)


def test_a_nul_in_basic_credentials_names_no_client(client):
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic ZGVtbwBiYWQ6c2VjcmV0"},  # "demo\0bad:secret"
    )
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_client"
