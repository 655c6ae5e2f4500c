"""The HTTP layer's one way to declare and check who may call a route."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import current_app, g, request
from flask_babel import gettext
from flask_smorest import Blueprint

from app.core.actors import Actor, ActorKind
from app.core.errors import Forbidden, UnsupportedMediaType
from app.core.policy import require_authenticated, require_role, require_scope

Authenticator = Callable[[str], Actor]
_authenticator: dict[str, Authenticator] = {}

BEARER = "bearerAuth"
JSON_TYPES = ("application/json",)
BODY_METHODS = ("POST", "PUT", "PATCH")


def set_authenticator(func: Authenticator) -> None:
    """Install the function that turns a bearer token into an Actor (identity does this)."""
    _authenticator["bearer"] = func


def authenticate_request() -> None:
    """Before each request: resolve ``Authorization: Bearer`` into ``g.actor``."""
    g.actor = None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or "bearer" not in _authenticator:
        return
    actor = _authenticator["bearer"](token.strip())
    g.actor = actor
    g.preferred_locale = actor.locale


def current_actor() -> Actor:
    """The authenticated actor of this request (401 when there is none)."""
    return require_authenticated(g.get("actor"))


def require_json_body() -> None:
    """API bodies must be JSON unless the route accepts other types (415 otherwise)."""
    if request.method not in BODY_METHODS or not request.path.startswith("/api/"):
        return
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return
    if request.routing_exception is not None:  # unknown path or method: its 404/405 says more than 415
        return
    view = _view_function()
    accepted = getattr(view, "_accepts", JSON_TYPES)
    mimetype = request.mimetype or ""
    if mimetype in accepted or (mimetype.endswith("+json") and "application/json" in accepted):
        return
    raise UnsupportedMediaType()


def _view_function():
    endpoint = request.endpoint
    return current_app.view_functions.get(endpoint) if endpoint else None


def accepts(*mimetypes: str):
    """Mark a route as accepting other request body types (e.g. ``multipart/form-data``)."""

    def decorator(func):
        func._accepts = mimetypes
        return func

    return decorator


class ApiBlueprint(Blueprint):
    """flask-smorest Blueprint with ``auth``: the route's roles and scopes, checked and documented."""

    def auth(
        self,
        *,
        roles: tuple[str, ...] = (),
        scopes: tuple[str, ...] = (),
        kinds: tuple[ActorKind, ...] = (),
    ):
        """Require a signed-in actor, any of ``roles``, all of ``scopes``, one of ``kinds``."""
        notes = []
        if roles:
            notes.append("roles: " + " | ".join(roles))
        if scopes:
            notes.append("scopes: " + " ".join(scopes))
        doc = {
            "security": [{BEARER: list(scopes)}],
            "x-required-roles": list(roles),
            "x-required-scopes": list(scopes),
        }

        def decorator(func):
            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                actor = current_actor()
                if kinds and actor.kind not in kinds:
                    raise Forbidden(gettext("This is not available to your kind of account."))
                if roles:
                    require_role(actor, *roles)
                for scope in scopes:
                    require_scope(actor, scope)
                return func(*args, **kwargs)

            documented = self.doc(**doc)(wrapper)
            if notes:
                documented = self.doc(description=_append_description(func, notes))(documented)
            return documented

        return decorator


def _append_description(func, notes: list[str]) -> str:
    base = (func.__doc__ or "").strip()
    return (base + "\n\n" if base else "") + "Requires " + "; ".join(notes) + "."
