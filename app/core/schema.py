"""The embedded default brings its own schema up to date: a fresh clone's first start just works.

On SQLite (the embedded default) an app that finds its database behind the migrations' head applies
them before it serves, under a file lock so a server and a ``flask rq tick`` started together do not
both migrate. PostgreSQL (production, CI) is migrated by ``flask db upgrade`` as a deploy step, never
by a starting node; tests build their schema themselves. ``AUTO_MIGRATE=0`` turns it off.
"""

from __future__ import annotations

import fcntl
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade

from app.extensions import db


def migrate_embedded_database(app: Flask) -> None:
    """Apply pending migrations to the app's SQLite database (nothing when it is current or not SQLite)."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
            return
        directory = app.extensions["migrate"].directory
        heads = set(ScriptDirectory(directory).get_heads())
        if _current(engine) == heads:
            return
        lock_path = Path(engine.url.database).with_suffix(".migrate.lock")
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits, then finds it done
            try:
                if _current(engine) != heads:
                    upgrade(directory=directory)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        engine.dispose()


def _current(engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())
