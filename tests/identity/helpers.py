"""What the identity tests share: a browser for the hosted pages, SMS codes, clients."""

from __future__ import annotations

import contextvars
import re
import warnings

import httpx

from app.core.sms import sandbox_log
from app.extensions import db as _db

with warnings.catch_warnings():
    # authlib prefers the httpx2 package and warns once on import when it finds httpx instead.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client  # noqa: F401 - re-exported for tests

ISSUER = "http://127.0.0.1:5000"  # the test settings' OIDC_ISSUER
REDIRECT_URI = "http://127.0.0.1:8765/callback"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def wsgi_transport(app) -> httpx.WSGITransport:
    """Send httpx requests into the app, each in its own context as in production."""

    def isolated(environ, start_response):
        body = contextvars.Context().run(app, environ, start_response)
        _db.session.expire_all()
        return body

    return httpx.WSGITransport(app=isolated)


def latest_code(phone: str) -> str:
    """The six-digit code in the newest sandbox SMS to ``phone``."""
    for message in sandbox_log(phone, 10):
        found = re.search(r"\b(\d{6})\b", message.body)
        if found:
            return found.group(1)
    raise AssertionError(f"no code was texted to {phone}")


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token of a hosted page's form."""
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


class Browser:
    """A person's browser on the hosted sign-in pages (keeps cookies, follows nothing by itself)."""

    def __init__(self, app, **headers):
        self.http = httpx.Client(transport=wsgi_transport(app), base_url=ISSUER, headers=headers)

    def open(self, url: str) -> httpx.Response:
        """GET a page."""
        return self.http.get(url)

    def post(self, url: str, page: httpx.Response, **fields) -> httpx.Response:
        """Submit the form of ``page`` to ``url`` with ``fields``."""
        return self.http.post(url, data={"csrf_token": csrf_of(page), **fields})

    def sign_in(self, url: str, phone: str) -> httpx.Response:
        """Ask for a code, read it from the sandbox SMS log, sign in; return the next page."""
        page = self.open(url)
        assert page.status_code == 200, page.text
        sent = self.post(url, page, action="send_code", phone=phone)
        assert sent.status_code == 200, sent.text
        signed_in = self.post(url, sent, action="sign_in", phone=phone, code=latest_code(phone))
        assert signed_in.status_code == 303, signed_in.text
        return self.open(signed_in.headers["location"])
