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


# --- the hosted sign-in, as a browser and an app go through it ------------------------------------

APP_ID = "sec-mini-program"
OTHER_APP_ID = "sec-other-app"


def register_apps() -> None:
    """Two first-party public apps (PKCE) redirecting to the test callback."""
    from app.identity import clients
    from tests.identity.helpers import REDIRECT_URI

    for client_id in (APP_ID, OTHER_APP_ID):
        if clients.client_by_id(client_id) is None:
            clients.register_client(
                "public", client_id, redirect_uris=[REDIRECT_URI], first_party=True, client_id=client_id
            )


def authorization_url(client_id: str = APP_ID) -> tuple[str, str]:
    """An authorization request with a fresh PKCE pair; returns (url, code_verifier)."""
    import secrets
    from urllib.parse import urlencode

    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    from tests.identity.helpers import REDIRECT_URI

    verifier = secrets.token_urlsafe(48)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile",
        "state": secrets.token_urlsafe(8),
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    return "/oauth/authorize?" + urlencode(query), verifier


def code_of(landing) -> str:
    """The authorization code in the redirect back to the app."""
    import httpx

    assert landing.status_code == 302, landing.text[:300]
    return httpx.URL(landing.headers["location"]).params["code"]


def exchange(http, code: str, verifier: str, client_id: str = APP_ID, **overrides):
    """The app's token request for ``code``."""
    from tests.identity.helpers import REDIRECT_URI

    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": client_id,
        "code_verifier": verifier,
        **overrides,
    }
    return http.post("/oauth/token", data=data)


class AddressedBrowser:
    """A browser on the hosted sign-in page from a given client address (what the limits key on)."""

    def __init__(self, app, address: str, **headers):
        import contextvars

        import httpx

        from app.extensions import db as _db
        from tests.identity.helpers import ISSUER

        def isolated(environ, start_response):
            body = contextvars.Context().run(app, environ, start_response)
            _db.session.expire_all()
            return body

        transport = httpx.WSGITransport(app=isolated, remote_addr=address)
        self.http = httpx.Client(transport=transport, base_url=ISSUER, headers=headers)

    def form(self, url: str, **fields):
        """Open the page and submit its form with ``fields``; returns the answer."""
        from tests.identity.helpers import csrf_of

        page = self.http.get(url)
        return self.http.post(url, data={"csrf_token": csrf_of(page), **fields})
