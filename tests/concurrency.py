"""Real concurrency on PostgreSQL: committed data, many connections, and every table put back after.

The ``committed`` fixture (tests/conftest.py) gives a test a second app on the test database with a
pool large enough for its threads. Whatever the test commits is deleted when it ends: every table is
put back to the rows it had before the test, so no test keeps a list of tables to clean.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import SimpleNamespace

import sqlalchemy as sa

from app.extensions import db


@dataclass
class Committed:
    """An app whose work is really committed, and helpers to run it on many threads at once."""

    app: object
    people: list = field(default_factory=list)

    def run(self, work):
        """Run ``work()`` in its own app context (own session and connection) and commit it."""
        with self.app.app_context():
            result = work()
            db.session.commit()
            return result

    def concurrently(self, count: int, work) -> list:
        """Start ``work(i)`` on ``count`` threads at the same moment; each result, or the error raised."""
        barrier = threading.Barrier(count)

        def worker(i):
            with self.app.app_context():
                barrier.wait()
                try:
                    result = work(i)
                    db.session.commit()
                    return result
                except Exception as error:  # noqa: BLE001 - the test inspects every outcome
                    db.session.rollback()
                    return error

        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(worker, range(count)))

    def count(self, model, *where) -> int:
        """Committed rows of ``model``."""
        stmt = sa.select(sa.func.count()).select_from(model).where(*where)
        return self.run(lambda: db.session.scalar(stmt))

    def person(self, name: str = "并发测试") -> SimpleNamespace:
        """A resident, committed."""
        from app.identity import services as identity

        def make():
            person, _ = identity.get_or_create_person(f"+86137{uuid.uuid4().int % 10**8:08d}", name)
            db.session.flush()
            return SimpleNamespace(id=person.id, phone=person.phone)

        made = self.run(make)
        self.people.append(made.id)
        return made


def snapshot(engine: sa.Engine) -> dict[str, set]:
    """The primary keys of every row in every table now."""
    kept = {}
    with engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            key = list(table.primary_key.columns)
            kept[table.name] = {tuple(row) for row in connection.execute(sa.select(*key))}
    return kept


def restore(engine: sa.Engine, kept: dict[str, set]) -> None:
    """Delete every row that was not there at the snapshot (children before parents)."""
    with engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            key = list(table.primary_key.columns)
            before = kept.get(table.name, set())
            rows = {tuple(row) for row in connection.execute(sa.select(*key))}
            added = rows - before
            if not added:
                continue
            if len(key) == 1:
                connection.execute(table.delete().where(key[0].in_([row[0] for row in added])))
            else:
                for row in added:
                    connection.execute(table.delete().where(*(c == v for c, v in zip(key, row, strict=True))))
