"""Reference data kept in each process and dropped whenever it changes: explicit invalidation.

A domain registers a name, the models its data is read from, and reads it with ``cached(name, load)``.
Every ORM write to one of those models (an upsert of a street, an imported calendar day) invalidates
the name:

* in this process at once (the next read loads it again, inside the writing transaction too);
* in every other process once the write commits: the commit bumps the name's generation in Redis
  (``ymt:refdata``), which each process looks at no more often than every ``REFDATA_CHECK_SECONDS``
  (1 s) — so another node sees a change within about a second;
* a rollback drops what this process loaded meanwhile (it may have read the rolled-back rows).

Without Redis (the embedded default), and in case Redis missed a bump, nothing is kept longer than
``REFDATA_MAX_AGE_SECONDS`` (60 s). Writes that bypass the ORM's unit of work (a bulk ``UPDATE`` or a
hand-written SQL statement) must call :func:`changed` themselves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import get_redis

log = logging.getLogger(__name__)

SHARED_KEY = "ymt:refdata"
_PENDING = "yimatong.refdata.changed"

_models: dict[type, str] = {}
_values: dict[str, tuple[int, float, Any]] = {}  # name -> (generation, loaded at, value)
_generations: dict[str, int] = {}  # this process's generation of each name
_shared: dict[str, int] = {}  # the shared generations last seen in Redis
_checked_at = [0.0]


def register(name: str, *models: type) -> None:
    """Reads of ``name`` come from these models; any ORM write to them invalidates it."""
    for model in models:
        _models[model] = name


def cached(name: str, load: Callable[[], Any]) -> Any:
    """The value of ``name`` for this process, loaded by ``load()`` when missing, stale or invalidated."""
    _follow_shared()
    generation = _generations.get(name, 0)
    entry = _values.get(name)
    now = time.monotonic()
    if entry is not None and entry[0] == generation and now - entry[1] < _max_age():
        return entry[2]
    value = load()
    _values[name] = (generation, now, value)
    return value


def changed(name: str, session: Session | None = None) -> None:
    """``name`` changed in this transaction: drop it here now, everywhere once the transaction commits."""
    _drop(name)
    if session is not None:
        session.info.setdefault(_PENDING, set()).add(name)


def forget_all() -> None:
    """Drop every cached value of this process (tests: what a rolled-back transaction loaded)."""
    for name in list(_values):
        _drop(name)


def _drop(name: str) -> None:
    _generations[name] = _generations.get(name, 0) + 1
    _values.pop(name, None)


def _max_age() -> float:
    return float(current_app.config["REFDATA_MAX_AGE_SECONDS"]) if has_app_context() else 0.0


def _follow_shared() -> None:
    if not has_app_context():
        return
    now = time.monotonic()
    if now - _checked_at[0] < float(current_app.config["REFDATA_CHECK_SECONDS"]):
        return
    _checked_at[0] = now
    redis = get_redis()
    if redis is None:
        return
    try:
        shared = {key.decode(): int(value) for key, value in redis.hgetall(SHARED_KEY).items()}
    except Exception:  # noqa: BLE001 - Redis down: the max age still bounds how stale a value gets
        log.warning("reference data: Redis unreachable, relying on the maximum age")
        return
    for name, generation in shared.items():
        if _shared.get(name) != generation:
            _shared[name] = generation
            _drop(name)


@event.listens_for(Session, "after_flush")
def _note_writes(session: Session, _context) -> None:
    if not _models:
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        name = _models.get(type(obj))
        if name is not None:
            changed(name, session)


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    names = sorted(session.info.pop(_PENDING, ()))
    if not names or not has_app_context():
        return
    for name in names:
        _drop(name)  # what was loaded between the write and the commit is dropped too
    redis = get_redis()
    if redis is None:
        return
    try:
        with redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hincrby(SHARED_KEY, name, 1)
            for name, generation in zip(names, pipe.execute(), strict=True):
                _shared[name] = int(generation)
    except Exception:  # noqa: BLE001 - the commit has happened; other nodes catch up by the max age
        log.warning("reference data: could not tell other processes that %s changed", ", ".join(names))


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back(session: Session) -> None:
    for name in session.info.pop(_PENDING, ()):
        _drop(name)
