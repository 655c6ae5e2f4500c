"""The application class: Flask, without per-request work this application never needs.

Flask asks, for every hook and view of every request, whether the function is a coroutine
(``ensure_sync``), and builds the signed-cookie serializer even for a request that carries no
session cookie (every API call: only the hosted sign-in pages and the console use the cookie). A
large part of a small API call's cost went there; the answers do not change, so they are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

_MEMO_LIMIT = 10_000  # functions remembered; hooks and views number in the hundreds


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a request without the cookie gets an empty session at once."""

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        """An empty session when the request has no session cookie; otherwise Flask's own reading."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


class CityFlask(Flask):
    """The Flask class of the application (``app.create_app``)."""

    session_interface = CookieSessions()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable, Callable] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        """Flask's answer for ``func`` (itself, or a wrapper for a coroutine function), kept per function."""
        try:
            return self._sync[func]
        except KeyError:
            answer = super().ensure_sync(func)
            if len(self._sync) < _MEMO_LIMIT:
                self._sync[func] = answer
            return answer
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)
