"""Counting the SQL statements a request runs (transaction control and savepoints aside)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine.default import CACHE_HIT

from app.extensions import db as _db

_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")


class Statements:
    """Counts the statements run while it is active: ``with Statements() as seen: ...; seen.count``.

    ``compiled`` holds those SQLAlchemy compiled afresh rather than taking from its cache: on a
    request repeated once warm, a statement without a cache key (or with one that changes per call).
    """

    def __init__(self):
        self.count = 0
        self.seen: list[str] = []
        self.compiled: list[str] = []

    def __call__(self, _conn, _cursor, statement, _parameters, context, _executemany):
        if not statement.lstrip().upper().startswith(_CONTROL):
            self.count += 1
            self.seen.append(statement)
            if getattr(context, "cache_hit", CACHE_HIT) != CACHE_HIT:
                self.compiled.append(statement)

    def __enter__(self):
        event.listen(_db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        event.remove(_db.engine, "before_cursor_execute", self)
