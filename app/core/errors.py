"""One error hierarchy; every error leaves as an RFC 9457 problem document."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import marshmallow as ma
from flask import Flask, Response, json, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "/problems/"


class AppError(Exception):
    """Base of every error a client may see; subclasses fix status, code and title."""

    status = 500
    code = "internal-error"
    title = _l("Internal server error")
    default_detail = _l("Something went wrong on our side. Please try again later.")

    def __init__(self, detail: str | None = None, *, headers: dict | None = None, **extra: Any):
        super().__init__(detail or self.code)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    def to_problem(self) -> dict[str, Any]:
        """Return the problem document body."""
        body = {
            "type": PROBLEM_BASE + self.code,
            "code": self.code,
            "title": str(self.title),
            "status": self.status,
            "detail": str(self.detail or self.default_detail),
        }
        body.update(self.extra)
        return body


class BadRequest(AppError):
    """The request cannot be read (malformed JSON, bad header)."""

    status, code = 400, "bad-request"
    title = _l("Bad request")
    default_detail = _l("The request could not be understood.")


class Unauthenticated(AppError):
    """No valid credentials were presented."""

    status, code = 401, "unauthenticated"
    title = _l("Authentication required")
    default_detail = _l("Sign in and send a valid access token.")

    def __init__(self, detail: str | None = None, **extra: Any):
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="yimatong"'}, **extra)


class Forbidden(AppError):
    """The actor is known but may not do this."""

    status, code = 403, "forbidden"
    title = _l("Forbidden")
    default_detail = _l("You are not allowed to do this.")


class NotFound(AppError):
    """The resource does not exist, or its existence is private to someone else."""

    status, code = 404, "not-found"
    title = _l("Not found")
    default_detail = _l("The requested resource was not found.")


class MethodNotAllowed(AppError):
    """The resource exists but not with this method."""

    status, code = 405, "method-not-allowed"
    title = _l("Method not allowed")
    default_detail = _l("This method is not allowed on this resource.")


class Conflict(AppError):
    """The request conflicts with the current state (duplicate, stale version)."""

    status, code = 409, "conflict"
    title = _l("Conflict")
    default_detail = _l("The request conflicts with the current state of the resource.")


class StaleVersion(Conflict):
    """Optimistic locking: someone else changed the record after the caller read it."""

    code = "stale-version"
    title = _l("Changed by someone else")
    default_detail = _l("Someone else changed this first. Reload it and try again.")


class PayloadTooLarge(AppError):
    """The body is larger than the server accepts."""

    status, code = 413, "payload-too-large"
    title = _l("Payload too large")
    default_detail = _l("The request body is too large.")


class RequestTimeout(AppError):
    """The request did not arrive in time (a client that sends too slowly)."""

    status, code = 408, "request-timeout"
    title = _l("Request timeout")
    default_detail = _l("The request did not arrive in time. Send it again.")


class UriTooLong(AppError):
    """The request line (path and query) is longer than the server reads."""

    status, code = 414, "uri-too-long"
    title = _l("URI too long")
    default_detail = _l("The request address (path and query) is too long.")


class HeaderFieldsTooLarge(AppError):
    """The request's headers are more or larger than the server reads."""

    status, code = 431, "header-fields-too-large"
    title = _l("Request headers too large")
    default_detail = _l("The request headers are too many or too large.")


class UnsupportedMediaType(AppError):
    """The body is not in a format this endpoint accepts."""

    status, code = 415, "unsupported-media-type"
    title = _l("Unsupported media type")
    default_detail = _l("Send the request body as application/json.")


class ValidationFailed(AppError):
    """The body or query failed validation; ``errors`` holds per-field messages."""

    status, code = 422, "validation-failed"
    title = _l("Validation failed")
    default_detail = _l("Some fields are missing or invalid.")

    def __init__(self, errors: dict | None = None, detail: str | None = None):
        super().__init__(detail, errors=_stringify(errors or {}))


class RateLimited(AppError):
    """Too many requests; ``Retry-After`` says when to try again."""

    status, code = 429, "rate-limited"
    title = _l("Too many requests")
    default_detail = _l("You have made too many requests. Please wait and try again.")

    def __init__(self, retry_after: int, detail: str | None = None):
        retry_after = max(1, int(retry_after))
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


class ServiceUnavailable(AppError):
    """A dependency the request needs is down."""

    status, code = 503, "service-unavailable"
    title = _l("Service unavailable")
    default_detail = _l("The service is temporarily unavailable.")


class IdempotencyKeyMissing(BadRequest):
    """A request that can move money came without an ``Idempotency-Key`` header."""

    code = "idempotency-key-missing"
    title = _l("Idempotency key required")
    default_detail = _l("Send an Idempotency-Key header (a unique value per operation, e.g. a UUID).")


class IdempotencyKeyInvalid(BadRequest):
    """The ``Idempotency-Key`` header is empty, too long or not printable ASCII."""

    code = "idempotency-key-invalid"
    title = _l("Invalid idempotency key")
    default_detail = _l("An Idempotency-Key is 1 to 255 printable ASCII characters.")


class IdempotencyKeyReused(AppError):
    """The key was already used for a different request."""

    status, code = 422, "idempotency-key-reused"
    title = _l("Idempotency key reused")
    default_detail = _l("This Idempotency-Key was already used with a different request. Use a new key.")


class IdempotencyKeyInFlight(Conflict):
    """A request with the same key is still being processed."""

    code = "idempotency-key-in-flight"
    title = _l("Request in progress")
    default_detail = _l("A request with this Idempotency-Key is still in progress. Retry shortly.")


_HTTP_TO_ERROR: dict[int, type[AppError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthenticated,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        RequestTimeout,
        PayloadTooLarge,
        UriTooLong,
        UnsupportedMediaType,
        ValidationFailed,
        HeaderFieldsTooLarge,
        RateLimited,
        ServiceUnavailable,
    )
}


def _stringify(value: Any) -> Any:
    """Turn nested error messages into plain strings in the request's language.

    Lazy strings are rendered; plain ones that are catalog entries (marshmallow's own English
    messages, which some fields insist on) are translated.
    """
    if isinstance(value, dict):
        return {str(k): _stringify(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_stringify(v) for v in value]
    return gettext(value) if isinstance(value, str) else str(value)


def problem_response(error: AppError) -> Response:
    """Build the ``application/problem+json`` response for an error."""
    body = error.to_problem()
    text = json.dumps(body, ensure_ascii=False)
    try:
        text.encode()
    except UnicodeEncodeError:  # a refused field name that is not valid Unicode: escape it
        text = json.dumps(body, ensure_ascii=True)
    response = Response(text, status=error.status)
    response.headers["Content-Type"] = PROBLEM_CONTENT_TYPE + "; charset=utf-8"
    response.headers.update(error.headers)
    return response


def from_http_exception(exc: HTTPException) -> AppError:
    """Map a werkzeug/webargs HTTP exception onto our hierarchy."""
    data = getattr(exc, "data", None) or {}
    status = exc.code or 500
    if status == 422:
        return ValidationFailed(_flatten_locations(data.get("messages", {})))
    if status == 400 and "messages" in data:
        return BadRequest(gettext("The request body is not valid JSON."))
    if status == 429:
        retry = getattr(exc, "retry_after", None) or _limiter_retry_after() or 60
        return RateLimited(retry)
    if status == 405:
        error = MethodNotAllowed()
        allowed = exc.get_headers() if hasattr(exc, "get_headers") else []
        error.headers.update({k: v for k, v in allowed if k.lower() == "allow"})
        return error
    error_cls = _HTTP_TO_ERROR.get(status)
    if error_cls is None:
        return AppError() if status >= 500 else _generic_client_error(status)
    return error_cls()


def _limiter_retry_after() -> int | None:
    """Seconds until Flask-Limiter's breached window resets, when it refused this request."""
    from app.extensions import limiter

    current = limiter.current_limit
    return max(1, math.ceil(current.reset_at - time.time())) if current is not None else None


def _generic_client_error(status: int) -> AppError:
    error = BadRequest()
    error.status = status
    error.code = f"http-{status}"
    return error


def _flatten_locations(messages: dict) -> dict:
    """Webargs nests messages under their location (json, query); merge them."""
    merged: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            merged.update(fields)
        else:
            merged[location] = fields
    return merged


def register_error_handlers(app: Flask) -> None:
    """Turn every exception into a problem document."""

    @app.errorhandler(AppError)
    def _app_error(error: AppError):
        return problem_response(error)

    @app.errorhandler(ma.ValidationError)
    def _validation_error(error: ma.ValidationError):
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        return problem_response(ValidationFailed(messages))

    @app.errorhandler(StaleDataError)
    def _stale(error: StaleDataError):
        from app.extensions import db

        db.session.rollback()
        return problem_response(StaleVersion())

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return problem_response(from_http_exception(error))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(AppError())


class ProblemSchema(ma.Schema):
    """RFC 9457 problem document, as every error response carries it.

    Problem types may add extension members (``checks`` on a readiness failure, for example).
    """

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(
        required=True, metadata={"description": "Stable URI reference naming the problem"}
    )
    code = ma.fields.String(required=True, metadata={"description": "Stable machine-readable code"})
    title = ma.fields.String(required=True, metadata={"description": "Localized short summary"})
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True, metadata={"description": "Localized explanation"})
    errors = ma.fields.Dict(metadata={"description": "Per-field messages (validation failures)"})
    retry_after = ma.fields.Integer(metadata={"description": "Seconds to wait (rate limits)"})


PROBLEM_TYPES: tuple[type[AppError], ...] = (AppError, *_HTTP_TO_ERROR.values())


def problem_types() -> list[type[AppError]]:
    """Every problem type defined so far (the kernel's and each domain's), one per code."""
    found: dict[str, type[AppError]] = {}
    pending: list[type[AppError]] = [AppError]
    while pending:
        cls = pending.pop(0)
        found.setdefault(cls.code, cls)
        pending.extend(cls.__subclasses__())
    return sorted(found.values(), key=lambda cls: (cls.status, cls.code))
