"""A fresh clone's embedded database is migrated by the first process that starts (as DevelopmentConfig sets).

The apps here use the test settings (the suite's PII keys are process-wide) with AUTO_MIGRATE given.
"""

from __future__ import annotations

import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.identity import keys
from config import TestConfig


def test_the_first_start_on_a_fresh_sqlite_file_migrates_it_and_the_next_finds_it_current(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    try:
        first = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, AUTO_MIGRATE=True)
        with first.app_context():
            tables = set(sa.inspect(db.engine).get_table_names())
            assert {"districts", "deferred_jobs", "people", "alembic_version"} <= tables
            version = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        with first.test_client() as browser:
            assert browser.get("/api/v1/city/districts").status_code == 200

        again = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, AUTO_MIGRATE=True)
        with again.app_context():
            assert db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == version
            db.engine.dispose()
        with first.app_context():
            db.engine.dispose()
    finally:
        keys.forget_cached_keys()


def test_auto_migrate_off_leaves_the_database_alone(tmp_path):
    url = f"sqlite:///{tmp_path / 'untouched.db'}"
    try:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, AUTO_MIGRATE=False)
        with app.app_context():
            assert sa.inspect(db.engine).get_table_names() == []
            db.engine.dispose()
    finally:
        keys.forget_cached_keys()
