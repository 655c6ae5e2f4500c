"""Each request's request id, its line in the log and its count in the metrics.

Registered before every other hook (so its ``after_request`` runs last): the id is bound before
anything can log, and the duration covers the other hooks too.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, g, request

from app.core import logs, metrics

_START = "yimatong.started"


def _start_request() -> None:
    request.environ[_START] = time.perf_counter()
    g.request_id = logs.accept_request_id(request.headers.get(logs.REQUEST_ID_HEADER))
    g.log_token = logs.bind(request_id=g.request_id)


def _finish_request(response):
    started = request.environ.get(_START)
    if started is None:
        return response
    seconds = time.perf_counter() - started
    route = request.url_rule.rule if request.url_rule is not None else None
    metrics.observe_request(route, request.method, response.status_code, seconds)
    response.headers[logs.REQUEST_ID_HEADER] = g.get("request_id", "")
    if not logs.request_log.isEnabledFor(logging.INFO):  # text logs: nothing to build
        return response
    logs.request_log.info(
        "%s %s %s",
        request.method,
        route or metrics.UNMATCHED,
        response.status_code,
        extra={
            "method": request.method,
            "route": route or metrics.UNMATCHED,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
            "remote_addr": request.remote_addr,
        },
    )
    return response


def _end_request(_error=None) -> None:
    token = g.pop("log_token", None)
    if token is not None:
        logs.unbind(token)


def init_app(app: Flask) -> None:
    """Logging set up, request hooks first in line, ``/metrics``."""
    logs.configure(app)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(_end_request)
    metrics.init_app(app)
