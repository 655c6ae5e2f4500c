"""The console as a client of the app's own OpenID provider: authorization code + PKCE (S256).

The browser goes to ``/oauth/authorize`` and signs in on the hosted page (phone and SMS code); the
provider sends it back to ``/console/callback`` with a code, which the console exchanges at the
token endpoint with its PKCE verifier. The exchange and the revocation on sign-out go through the
provider's own endpoints in-process (the WSGI app called without a socket: a sync worker calling
itself over HTTP would wait on itself), so every rule of the provider holds for the console too.
"""

from __future__ import annotations

import base64
import contextvars
import hashlib
import json
from urllib.parse import urlencode

from flask import current_app, url_for

from app.console.models import ConsoleSession
from app.core.errors import Unauthenticated
from app.core.i18n import select_locale

SCOPES = "openid profile"


def client_id() -> str:
    """The console's OAuth client (a first-party public client)."""
    return current_app.config.get("CONSOLE_CLIENT_ID", "yimatong-console")


def redirect_uri() -> str:
    """Where the provider sends the browser back: the console's callback on this app."""
    return url_for("console.callback", _external=True)


def challenge_of(verifier: str) -> str:
    """The S256 PKCE challenge of a verifier."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def authorize_url(session: ConsoleSession) -> str:
    """The provider's authorization URL for this sign-in (hosted page in the console's language)."""
    query = {
        "response_type": "code",
        "client_id": client_id(),
        "redirect_uri": redirect_uri(),
        "scope": SCOPES,
        "state": session.oauth_state,
        "nonce": session.oauth_nonce,
        "code_challenge": challenge_of(session.code_verifier),
        "code_challenge_method": "S256",
        "ui_locales": select_locale().replace("_", "-"),
    }
    return url_for("oidc.authorize") + "?" + urlencode(query)


def _provider(path: str, form: dict) -> tuple[int, dict]:
    """POST a form to one of the provider's endpoints in-process, in its own unit of work."""
    client = current_app.test_client()
    response = contextvars.Context().run(client.post, path, data=form)
    try:
        body = json.loads(response.get_data(as_text=True) or "{}")
    except ValueError:
        body = {}
    return response.status_code, body


def exchange_code(code: str, verifier: str, nonce: str) -> tuple[str, str | None]:
    """Exchange the code for tokens; returns the person id (``sub``) and the refresh token.

    The ID token comes straight from the token endpoint, so its claims are read, and its audience
    and nonce checked (OpenID Connect Core 3.1.3.7).
    """
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id(),
        "code": code,
        "redirect_uri": redirect_uri(),
        "code_verifier": verifier,
    }
    status, tokens = _provider("/oauth/token", form)
    if status != 200 or "id_token" not in tokens:
        raise Unauthenticated()
    claims = _claims_of(tokens["id_token"])
    if claims.get("aud") != client_id() or claims.get("nonce") != nonce or not claims.get("sub"):
        raise Unauthenticated()
    return claims["sub"], tokens.get("refresh_token")


def _claims_of(id_token: str) -> dict:
    try:
        payload = id_token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        raise Unauthenticated() from None


def revoke(refresh_token: str | None) -> None:
    """End the sign-in at the provider (its refresh token, and so its whole token family)."""
    if refresh_token:
        form = {"token": refresh_token, "token_type_hint": "refresh_token", "client_id": client_id()}
        _provider("/oauth/revoke", form)
