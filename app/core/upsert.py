"""``INSERT … ON CONFLICT`` statements that SQLAlchemy compiles once, not on every execution.

SQLAlchemy 2.0 gives the PostgreSQL and SQLite ``Insert`` constructs ``inherit_cache = False`` (their
``ON CONFLICT`` clauses define no cache key), so every upsert is compiled afresh each time it runs:
about 0.4 ms of CPU on every idempotency claim, outbox message and sandbox charge, the hot write
paths' commonest statements. The classes here are those constructs with a cache key: everything
that shapes the SQL text is in it — the conflict target (a constraint name or column names), its
``WHERE``, the columns a ``DO UPDATE`` sets and its ``WHERE`` — and the values are bound parameters,
which a cached statement takes afresh from each execution.

Conflict targets are constraint names or column names (what the app uses); an expression as an
index element (a functional index) is refused rather than cached by a key that could not tell two
such targets apart. Values in ``DO UPDATE … SET`` may be plain Python values or SQL expressions.
"""

from __future__ import annotations

from sqlalchemy import exc, schema
from sqlalchemy.dialects.postgresql import dml as postgresql_dml
from sqlalchemy.dialects.sqlite import dml as sqlite_dml
from sqlalchemy.sql import coercions, roles
from sqlalchemy.sql.base import _generative
from sqlalchemy.sql.sqltypes import NullType
from sqlalchemy.sql.visitors import InternalTraversal

_TARGET = [
    ("_target_names", InternalTraversal.dp_plain_obj),
    ("inferred_target_whereclause", InternalTraversal.dp_clauseelement),
]
_UPDATE = [
    ("update_values_to_set", InternalTraversal.dp_dml_ordered_values),
    ("update_whereclause", InternalTraversal.dp_clauseelement),
]


def _keyed(statement, clause, cls):
    """``clause`` (a dialect's ``ON CONFLICT`` clause) as ``cls``, its cacheable twin."""
    if statement._post_values_clause is not None:
        raise exc.InvalidRequestError("This Insert construct already has an ON CONFLICT clause established")
    names = []
    for element in clause.inferred_target_elements or ():
        if isinstance(element, str):
            names.append(element)
        elif isinstance(element, schema.Column):
            names.append(element.name)
        else:
            raise TypeError("a cached upsert's conflict target names columns, not expressions")
    keyed = cls.__new__(cls)
    keyed.__dict__.update(clause.__dict__)
    keyed._target_names = (getattr(clause, "constraint_target", None), tuple(names))
    if hasattr(clause, "update_values_to_set"):
        # A plain value becomes a bound parameter: its value is not part of the cached SQL. The
        # compiler gives an untyped one the type of the column it sets.
        keyed.update_values_to_set = [
            (column, coercions.expect(roles.ExpressionElementRole, value, type_=NullType(), is_crud=True))
            for column, value in clause.update_values_to_set
        ]
    return keyed


class _PostgresDoNothing(postgresql_dml.OnConflictDoNothing):
    _traverse_internals = _TARGET


class _PostgresDoUpdate(postgresql_dml.OnConflictDoUpdate):
    _traverse_internals = _TARGET + _UPDATE


class _SqliteDoNothing(sqlite_dml.OnConflictDoNothing):
    _traverse_internals = _TARGET


class _SqliteDoUpdate(sqlite_dml.OnConflictDoUpdate):
    _traverse_internals = _TARGET + _UPDATE


class PostgresInsert(postgresql_dml.Insert):
    """PostgreSQL's ``INSERT`` with a cache key, ``ON CONFLICT`` included."""

    inherit_cache = True

    @_generative
    def on_conflict_do_nothing(self, *args, **kwargs):
        """As :meth:`sqlalchemy.dialects.postgresql.Insert.on_conflict_do_nothing`."""
        self._post_values_clause = _keyed(
            self, postgresql_dml.OnConflictDoNothing(*args, **kwargs), _PostgresDoNothing
        )
        return self

    @_generative
    def on_conflict_do_update(self, *args, **kwargs):
        """As :meth:`sqlalchemy.dialects.postgresql.Insert.on_conflict_do_update`."""
        self._post_values_clause = _keyed(
            self, postgresql_dml.OnConflictDoUpdate(*args, **kwargs), _PostgresDoUpdate
        )
        return self


class SqliteInsert(sqlite_dml.Insert):
    """SQLite's ``INSERT`` with a cache key, ``ON CONFLICT`` included."""

    inherit_cache = True

    @_generative
    def on_conflict_do_nothing(self, *args, **kwargs):
        """As :meth:`sqlalchemy.dialects.sqlite.Insert.on_conflict_do_nothing`."""
        self._post_values_clause = _keyed(
            self, sqlite_dml.OnConflictDoNothing(*args, **kwargs), _SqliteDoNothing
        )
        return self

    @_generative
    def on_conflict_do_update(self, *args, **kwargs):
        """As :meth:`sqlalchemy.dialects.sqlite.Insert.on_conflict_do_update`."""
        self._post_values_clause = _keyed(
            self, sqlite_dml.OnConflictDoUpdate(*args, **kwargs), _SqliteDoUpdate
        )
        return self


def insert_for(dialect_name: str, target):
    """An ``INSERT`` on ``target`` that can say ``on_conflict_do_*`` and is compiled once per shape."""
    return (PostgresInsert if dialect_name == "postgresql" else SqliteInsert)(target)
