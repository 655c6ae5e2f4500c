"""The production HTTP server: gunicorn's own error answers as problem documents.

gunicorn answers some requests before the application sees them (a malformed request line, a
request line or headers over its limits, a broken chunked body) with small HTML pages. Installed from
``deploy/gunicorn.conf.py``, :func:`install_problem_documents` makes those answers RFC 9457 problem
documents like every other error, in the default language (the request could not be read, so neither
could its ``Accept-Language``), with ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

from flask import Flask

from app.core import errors

# gunicorn's statuses and the problem type each one becomes.
GUNICORN_STATUSES: dict[int, type[errors.AppError]] = {
    400: errors.BadRequest,
    403: errors.Forbidden,
    408: errors.RequestTimeout,
    413: errors.PayloadTooLarge,
    414: errors.UriTooLong,
    431: errors.HeaderFieldsTooLarge,
}


def problem_bytes(app: Flask, status: int, reason: str) -> bytes:
    """A complete HTTP/1.1 response: the problem document for ``status``, connection closing."""
    error_cls = GUNICORN_STATUSES.get(status)
    if error_cls is None:
        error = errors.AppError() if status >= 500 else errors.BadRequest()
        error.status = status
    else:
        error = error_cls()
    with app.test_request_context():
        body = errors.problem_response(error).get_data()
        content_language = app.config["BABEL_DEFAULT_LOCALE"].replace("_", "-")
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {errors.PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n"
        f"Content-Language: {content_language}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def install_problem_documents(app: Flask) -> None:
    """Replace gunicorn's HTML error pages with problem documents (call in ``post_worker_init``)."""
    from gunicorn import util

    def write_error(sock, status_int, reason, mesg):
        util.write_nonblock(sock, problem_bytes(app, int(status_int), reason))

    util.write_error = write_error
