"""Structured logs: one JSON object a line, each carrying the request id that caused it.

Every request gets a request id: the ``X-Request-Id`` the proxy (nginx) or the client sent when it is
a plausible id, a fresh one otherwise. It is answered in the ``X-Request-Id`` response header, set
on every log line written while the request runs, handed to every job the request enqueues (and on
to the jobs those jobs enqueue), and set again while the worker runs the job, so one grep follows a
change from the HTTP request to the last notification it caused.

With ``LOG_FORMAT=json`` (production's default) the root logger writes JSON lines to stderr and
each request is logged once when answered (``yimatong.request``: method, route template, status,
duration, node). With ``text`` nothing is installed: the development server and pytest log as usual.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import re
import socket
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Flask

REQUEST_ID_HEADER = "X-Request-Id"
_PLAUSIBLE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")  # what nginx's $request_id and a UUID look like

# What the current line belongs to: request_id, and job_id / job while a job runs.
_context: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("log_context", default=None)

request_log = logging.getLogger("yimatong.request")
job_log = logging.getLogger("yimatong.job")

_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def new_request_id() -> str:
    """A fresh request id (32 hex digits, as nginx's ``$request_id``)."""
    return os.urandom(16).hex()


def accept_request_id(value: str | None) -> str:
    """The id sent by the proxy or client when it is plausible, else a fresh one (never a log injection)."""
    return value if value and _PLAUSIBLE_ID.fullmatch(value) else new_request_id()


def current_request_id() -> str | None:
    """The request id of the request or job running now, if any."""
    context = _context.get()
    return context.get("request_id") if context else None


def current_context() -> dict[str, str]:
    """Everything the current log lines carry (request id, job id)."""
    return dict(_context.get() or {})


@contextlib.contextmanager
def bound(**values: str | None) -> Iterator[None]:
    """Carry ``values`` (request_id, job_id, job, ...) on every log line written inside the block."""
    token = _context.set({**(_context.get() or {}), **{k: v for k, v in values.items() if v}})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**values: str | None) -> contextvars.Token:
    """Like :func:`bound`, for hooks that start and end apart (a request); undo with :func:`unbind`."""
    return _context.set({**(_context.get() or {}), **{k: v for k, v in values.items() if v}})


def unbind(token: contextvars.Token) -> None:
    """Undo a :func:`bind`."""
    with contextlib.suppress(ValueError):  # a token of another context: nothing of ours to undo
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Adds the request id (and job id) of the current context and the node's name to each record."""

    def __init__(self, node: str):
        super().__init__()
        self.node = node

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record, with the context's fields added."""
        for key, value in (_context.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        if not hasattr(record, "node"):
            record.node = self.node
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, context, extra fields, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def node_name(app: Flask) -> str:
    """This node's name in logs and metrics: NODE_NAME, else the host name."""
    return app.config.get("NODE_NAME") or socket.gethostname()


def configure(app: Flask) -> None:
    """Install JSON lines on the root logger when ``LOG_FORMAT`` is json (once per process)."""
    if app.config.get("LOG_FORMAT") != "json":
        return
    root = logging.getLogger()
    level = logging.getLevelName(str(app.config.get("LOG_LEVEL", "INFO")).upper())
    root.setLevel(level if isinstance(level, int) else logging.INFO)
    for handler in root.handlers:
        if getattr(handler, "yimatong_json", False):
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.yimatong_json = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter(node_name(app)))
    root.addHandler(handler)
    app.logger.handlers.clear()  # Flask's own handler would write every app.logger line a second time
    app.logger.propagate = True
