"""Counting the SQL statements a request runs (transaction control and savepoints aside)."""

from __future__ import annotations

from sqlalchemy import event

from app.extensions import db as _db

_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")


class Statements:
    """Counts the statements run while it is active: ``with Statements() as seen: ...; seen.count``."""

    def __init__(self):
        self.count = 0
        self.seen: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(_CONTROL):
            self.count += 1
            self.seen.append(statement)

    def __enter__(self):
        event.listen(_db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        event.remove(_db.engine, "before_cursor_execute", self)
