"""The HTTP layer's one way to declare and check who may call a route."""

from __future__ import annotations

import functools
import http
from collections.abc import Callable
from copy import deepcopy

import marshmallow as ma
from apispec import BasePlugin
from flask import current_app, g, request
from flask_babel import gettext
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser

from app.core import audit
from app.core.actors import Actor, ActorKind
from app.core.audit import AuditAction
from app.core.errors import Forbidden, PayloadTooLarge, ProblemSchema, UnsupportedMediaType, ValidationFailed
from app.core.policy import require_authenticated, require_role, require_scope
from app.core.validation import json_values, load_json

Authenticator = Callable[[str], Actor]
ProxyResolver = Callable[[Actor, str], Actor]
_authenticator: dict[str, Callable] = {}
_unauthenticated_prefixes: set[str] = set()

BEARER = "bearerAuth"
ON_BEHALF_OF = "X-On-Behalf-Of"
JSON_TYPES = ("application/json",)
BODY_METHODS = ("POST", "PUT", "PATCH")
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def set_authenticator(func: Authenticator) -> None:
    """Install the function that turns a bearer token into an Actor (identity does this)."""
    _authenticator["bearer"] = func


def set_proxy_resolver(func: ProxyResolver) -> None:
    """Install the function that turns (person actor, ``X-On-Behalf-Of`` value) into a proxy actor."""
    _authenticator["proxy"] = func


def skip_bearer_authentication(prefix: str) -> None:
    """Paths under ``prefix`` check their own credentials (the OAuth endpoints)."""
    _unauthenticated_prefixes.add(prefix)


def authenticate_request() -> None:
    """Before each request: resolve ``Authorization: Bearer`` (and ``X-On-Behalf-Of``) into ``g.actor``."""
    g.actor = None
    if any(request.path.startswith(prefix) for prefix in _unauthenticated_prefixes):
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or "bearer" not in _authenticator:
        return
    actor = _authenticator["bearer"](token.strip())
    g.preferred_locale = actor.locale
    principal = request.headers.get(ON_BEHALF_OF, "").strip()
    if principal:
        if "proxy" not in _authenticator:
            raise Forbidden(gettext("Acting for another person is not available."))
        actor = _authenticator["proxy"](actor, principal)
    g.actor = actor


def audit_proxy_request(response):
    """After each successful request made by a proxy: the principal's access log has it (once).

    Services record what they touched in their own words; this only writes an entry for a proxy's
    request that touched the principal's data without a service recording it.
    """
    actor = g.get("actor")
    if actor is None or actor.kind is not ActorKind.PROXY or response.status_code >= 400:
        return response
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    action = AuditAction.READ if request.method in READ_METHODS else AuditAction.CHANGE
    audit.record_request(
        actor,
        actor.principal_id,
        action,
        f"{request.method} {rule}"[:120],
        reason=f"mandate {actor.mandate_id}",
    )
    return response


class ProxyHeaderPlugin(BasePlugin):
    """Documents the ``X-On-Behalf-Of`` header on every operation a proxy may call."""

    COMPONENT = "OnBehalfOf"
    PARAMETER = {
        "in": "header",
        "name": ON_BEHALF_OF,
        "required": False,
        "schema": {"type": "string", "format": "uuid"},
        "description": (
            "Act for another person (帮办代办): their person id. The caller must hold an active "
            "mandate from that person covering what the operation touches; otherwise 403. "
            "Every such request is written to that person's access log."
        ),
    }

    def operation_helper(self, path=None, operations=None, **kwargs):
        """Add the header to operations marked by ``ApiBlueprint.auth`` as open to proxies."""
        for operation in (operations or {}).values():
            if isinstance(operation, dict) and operation.pop("x-accepts-proxy", False):
                # Inline: apispec's parameter check refuses a bare {"$ref": ...} here.
                operation.setdefault("parameters", []).append(dict(self.PARAMETER))


def add_security_headers(response):
    """Every response, images included: browsers must not guess another content type (no sniffing)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def credential_failure_limit() -> str:
    """How many wrong client credentials one client address may present (a Flask-Limiter limit)."""
    return current_app.config["CLIENT_AUTH_FAILURE_RATE_LIMIT"]


def current_actor() -> Actor:
    """The authenticated actor of this request (401 when there is none)."""
    return require_authenticated(g.get("actor"))


def optional_actor() -> Actor | None:
    """The authenticated actor of a route open to anyone, or None when the caller did not sign in.

    A bad token is still refused (401) before the route runs; only its absence is allowed.
    """
    return g.get("actor")


def refuse_oversized_streamed_body() -> None:
    """A chunked body longer than ``MAX_CONTENT_LENGTH`` is a 413, as one with a Content-Length is.

    Werkzeug stops reading a streamed body at the limit and hands over what it read, so the request
    would fail later as malformed (400). The body is read here (and kept for the view); if the client
    sent more than the limit, the request is refused as too large.
    """
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.method not in BODY_METHODS or request.content_length is not None or not limit:
        return
    if "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return
    if len(request.get_data(cache=True)) >= limit and request.environ["wsgi.input"].read(1):
        raise PayloadTooLarge()


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


class BoundedJsonParser(FlaskParser):
    """webargs' Flask parser reading JSON bodies through the kernel's bounded parser (depth, digits)."""

    def _process_location_data(self, location_data, schema, req, location, unknown, validators):
        if location != "json":
            return super()._process_location_data(location_data, schema, req, location, unknown, validators)
        with json_values():
            return super()._process_location_data(location_data, schema, req, location, unknown, validators)

    def _raw_load_json(self, req):
        if not webargs_core.is_json(req.mimetype):
            return webargs_core.missing
        return load_json(req.get_data(cache=True))


def declared_query_parameters(view) -> frozenset[str]:
    """Every query parameter a route declares, over all of its ``arguments(..., location="query")``."""
    names: set[str] = set()
    for parameter in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
        if not isinstance(parameter, dict) or parameter.get("in") != "query":
            continue
        schema = parameter["schema"]
        schema = schema() if isinstance(schema, type) else schema
        if isinstance(schema, ma.Schema):
            names.update(
                field.data_key or name for name, field in schema.fields.items() if not field.dump_only
            )
    return frozenset(names)


def refuse_unknown_query_parameters(view):
    """Wrap a view so that a query parameter it does not declare is a 422 naming it, like a body field."""
    allowed = declared_query_parameters(view)

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if request.path.startswith("/api/"):
            unknown = sorted(set(request.args) - allowed)
            if unknown:
                raise ValidationFailed({name: [gettext("Unknown query parameter.")] for name in unknown})
        return view(*args, **kwargs)

    return checked


class ApiBlueprint(Blueprint):
    """flask-smorest Blueprint with ``auth``: the route's roles and scopes, checked and documented.

    Every route refuses query parameters it does not declare (422), and reads JSON bodies within the
    kernel's limits.
    """

    ARGUMENTS_PARSER = BoundedJsonParser()

    def route(self, rule, *, parameters=None, tags=None, **options):
        """Register a view (as flask-smorest does), refusing the query parameters it does not declare."""
        register = super().route(rule, parameters=parameters, tags=tags, **options)

        def decorator(func):
            register(refuse_unknown_query_parameters(func))
            return func

        return decorator

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
        if not roles and (not kinds or ActorKind.PROXY in kinds):
            doc["x-accepts-proxy"] = True

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

    def idempotent(self):
        """Require an ``Idempotency-Key`` and run the route at most once per caller and key.

        Place it under ``auth`` and above ``arguments``/``response``; see app.core.idempotency.
        """
        from app.core import idempotency

        def decorator(func):
            wrapper = idempotency.idempotent(func, actor_of=current_actor)
            wrapper._apidoc = deepcopy(getattr(func, "_apidoc", {}))
            arguments = wrapper._apidoc.setdefault("arguments", {})
            arguments.setdefault("parameters", []).append(dict(idempotency.HEADER_PARAMETER))
            return wrapper

        return decorator


def _append_description(func, notes: list[str]) -> str:
    base = (func.__doc__ or "").strip()
    return (base + "\n\n" if base else "") + "Requires " + "; ".join(notes) + "."


class YimatongApi(Api):
    """flask-smorest Api whose documented error body is the RFC 9457 problem document."""

    ERROR_SCHEMA = ProblemSchema
    PROBLEM_CONTENT_TYPE = "application/problem+json"

    def _register_error_handlers(self):
        # Errors are turned into problem documents by app.core.errors.
        return None

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                content_type = self.PROBLEM_CONTENT_TYPE
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem document (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, self.PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


api = YimatongApi()  # bound in create_app; every domain registers its blueprints on it
