"""Running one job: in its own app context and unit of work, the same on a worker and inline."""

from __future__ import annotations

import importlib
import json
import os
import time
import uuid
from collections.abc import Callable

from flask import Flask, current_app, has_app_context

from app.core import logs
from app.core.jobs._shared import _app_factory, _process_app
from app.core.uow import unit_of_work
from app.extensions import db, redis_connection


def execute(
    func: str, args: list | None = None, *, app: Flask | None = None, request_id: str | None = None
) -> None:
    """Run one job in its own app context: commit when it returns, roll back when it raises.

    RQ workers call this for every job, and so does the inline runner, so a job behaves the same
    with and without Redis. Its log lines carry the request id of the request that caused it (and
    the jobs it enqueues carry it on); one line says how it ended.
    """
    app = app or _job_app()
    job_id = _current_job_id()
    started = time.perf_counter()
    with logs.bound(request_id=request_id or logs.current_request_id(), job_id=job_id, job=func):
        try:
            with app.app_context(), unit_of_work():
                _resolve(func)(*(args or []))
        except Exception:
            logs.job_log.info("job %s failed", func, extra=_outcome("failed", started))
            raise
        logs.job_log.info("job %s done", func, extra=_outcome("done", started))


def _outcome(outcome: str, started: float) -> dict:
    return {"outcome": outcome, "duration_ms": round((time.perf_counter() - started) * 1000, 2)}


def _current_job_id() -> str | None:
    from rq import get_current_job

    job = get_current_job()
    return job.id if job is not None else None


def bind_process_app(app: Flask) -> None:
    """Use ``app`` for every job this process (and its forked children) runs."""
    if "app" not in _process_app:
        os.register_at_fork(after_in_child=_dispose_inherited_pools)
    _process_app["app"] = app


def _dispose_inherited_pools() -> None:
    app = _process_app.get("app")
    if app is None:
        return
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def _job_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    if "app" not in _process_app:
        if "factory" not in _app_factory:
            raise RuntimeError("no application to run jobs in: start workers with `flask rq worker`")
        bind_process_app(_app_factory["factory"]())
    return _process_app["app"]


def set_app_factory(factory: Callable[[], Flask]) -> None:
    """Where a process that runs jobs without an app (a bare RQ worker) gets one: ``create_app``."""
    _app_factory["factory"] = factory


def _redis(app: Flask):
    return redis_connection.client(app.config["REDIS_URL"])


def _func_path(func: Callable | str) -> str:
    path = func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"
    if "<" in path or not path.startswith(_allowed_prefixes()):
        raise ValueError(f"jobs must be module-level functions of the app, not {path!r}")
    return path


def _allowed_prefixes() -> tuple[str, ...]:
    return tuple(current_app.config["JOBS_ALLOWED_MODULES"]) if has_app_context() else ("app.",)


def _json_args(args: tuple) -> tuple:
    converted = tuple(str(a) if isinstance(a, uuid.UUID) else a for a in args)
    json.dumps(converted)  # raises TypeError now, in the caller, rather than in the worker
    return converted


def _resolve(path: str) -> Callable:
    if not path.startswith(_allowed_prefixes()):
        raise ValueError(f"refusing to run {path!r}: not a function of the app")
    module_name, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)
