"""One unit of work: each request, job run, bot update and command commits once, here and nowhere else.

* A request commits when its response is a success (< 400) and rolls back otherwise; a route that
  must keep the record of a refusal (a wrong sign-in code counted, a reused refresh token's
  family revoked) says so with :func:`records_refusals`, and commits on 4xx too (never on 5xx).
* A job run, a bot update and a CLI command run inside :func:`unit_of_work`.
* Long jobs that must keep progress as they go (a delivery's lease, a batch) call :func:`checkpoint`;
  a request never does.
* Every unit ends its transaction, reads included: on SQLite each transaction holds the write lock,
  so a process that read and then waited would stop every other writer.
* A ``GET`` of the API changes no business state: writes to tables other than those registered with
  :func:`allow_on_read` (the audit log, for one) fail the request in tests and are rolled back and
  logged elsewhere.
* On PostgreSQL a request's transaction begins at its first write (``TRANSACTION_AT_FIRST_WRITE``, on
  by default; ``app.extensions.lazy_transactions``): the reads before it run on their own, so a
  request that only reads — most ``GET``s, a city-code scan — sends no ``BEGIN`` and no ``COMMIT``,
  two round trips fewer. Nothing changes for what the request does: under READ COMMITTED each
  statement of a transaction reads its own snapshot anyway, and the first write, locking read
  (``FOR UPDATE``/``FOR SHARE``), advisory lock, savepoint or any statement that is not a plain
  ``SELECT`` opens the one transaction everything after it shares, committed or rolled back here.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.core.errors import AppError, Conflict, problem_response
from app.extensions import LAZY_UNIT, db, has_session

log = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIXES = ("/api/", "/open311/")  # OAuth's GET /oauth/authorize issues codes by protocol
_READ_SIDE_TABLES: set[str] = set()
_WRITTEN = "yimatong.uow.written"
_ROLLBACK_HOOKS = "yimatong.uow.on_rollback"


class WriteOnRead(RuntimeError):
    """A GET tried to change business state."""


def allow_on_read(*tables: str) -> None:
    """Let reads write to these tables (records of the read itself: audit entries, scan logs)."""
    _READ_SIDE_TABLES.update(tables)


def records_refusals(view: Callable) -> Callable:
    """Mark a route whose refusals (4xx) must still be committed: it records attempts before refusing."""
    view._uow_records_refusals = True
    return view


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Run a block as one unit: commit when it returns, roll back when it raises."""
    try:
        yield
        db.session.commit()
    except BaseException:
        rollback()
        raise


def checkpoint() -> None:
    """Commit the work done so far in a long job (its lease, its progress); never inside a request."""
    if has_request_context():
        raise RuntimeError("a request commits once, at its end: no checkpoints inside a request")
    db.session.commit()


def end_reading() -> None:
    """End a read-only transaction (a poll that found nothing) so no lock is held while waiting."""
    db.session.rollback()


def rollback() -> None:
    """Roll the unit back and run what must happen after (an idempotency key given up, ...)."""
    db.session.rollback()
    hooks = db.session.info.pop(_ROLLBACK_HOOKS, [])
    for hook in hooks:
        hook()


def on_rollback(hook: Callable[[], None]) -> None:
    """Run ``hook`` (after the rollback, in a fresh transaction) if this unit fails."""
    db.session.info.setdefault(_ROLLBACK_HOOKS, []).append(hook)


def init_app(app: Flask) -> None:
    """Commit or roll back at the end of every request (begun at its first write, on PostgreSQL)."""
    uri = str(app.config.get("SQLALCHEMY_DATABASE_URI") or "")
    if app.config.get("TRANSACTION_AT_FIRST_WRITE", True) and uri.startswith("postgresql"):
        app.before_request(_begin_request)
    app.after_request(_end_request)


def _begin_request() -> None:
    request.environ[LAZY_UNIT] = True


def _end_request(response):
    if not has_session():
        return response  # the request never touched the database: nothing to commit or roll back
    if response.status_code < 400 or (response.status_code < 500 and _keeps_refusals()):
        return _commit_request(response)
    rollback()
    return response


def _keeps_refusals() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "_uow_records_refusals", False))


def _commit_request(response):
    session = db.session()
    try:
        if request.method in READ_METHODS and request.path.startswith(API_PREFIXES):
            _check_read_only(session)
        session.commit()
    except WriteOnRead as exc:
        rollback()
        if current_app.testing:
            raise
        log.error("%s %s: %s (rolled back)", request.method, request.path, exc)
    except IntegrityError:
        rollback()
        log.warning("commit refused by a constraint on %s %s", request.method, request.path)
        return problem_response(Conflict())
    except SQLAlchemyError:
        rollback()
        log.exception("commit failed on %s %s", request.method, request.path)
        return problem_response(AppError())
    finally:
        session.info.pop(_ROLLBACK_HOOKS, None)
    return response


def _check_read_only(session: Session) -> None:
    session.flush()
    written = session.info.pop(_WRITTEN, set()) - _READ_SIDE_TABLES
    if written:
        raise WriteOnRead(f"a read wrote to {', '.join(sorted(written))}")


@event.listens_for(Session, "after_flush")
def _note_flushed_tables(session: Session, _context) -> None:
    if not has_request_context() or request.method not in READ_METHODS:
        return
    tables = session.info.setdefault(_WRITTEN, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table and (obj not in session.dirty or session.is_modified(obj)):
            tables.add(table)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_writes(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if not has_request_context() or request.method not in READ_METHODS:
        return
    table = getattr(state.statement, "table", None)
    if table is not None:
        state.session.info.setdefault(_WRITTEN, set()).add(table.name)


@event.listens_for(Session, "after_soft_rollback")
def _forget_written(session: Session, _previous) -> None:
    if not session.in_transaction():
        session.info.pop(_WRITTEN, None)


def command(func: Callable) -> Callable:
    """Wrap a CLI command's body in one unit of work."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with unit_of_work():
            return func(*args, **kwargs)

    return wrapper
