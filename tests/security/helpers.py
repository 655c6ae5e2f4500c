"""What the security tests share: raw JSON an attacker writes, problem-document checks, client tokens."""

from __future__ import annotations

import base64
import json

PROBLEM = "application/problem+json"


def raw_json(document) -> str:
    """The document as an attacker's client sends it: plain ASCII JSON (lone surrogates as \\u escapes)."""
    return json.dumps(document)


def assert_problem(response, status: int) -> dict:
    """The response is a problem document (RFC 9457) with ``status``; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM, response.headers
    body = response.get_json()
    assert body["status"] == status and body["type"].startswith("/problems/") and body["title"]
    return body


def basic(client_id: str, secret: str) -> dict:
    """HTTP Basic credentials of an institution's client."""
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def client_token(client, client_id: str, secret: str) -> dict:
    """Headers with a client-credentials token of an institution."""
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}
