"""Fixtures: one app per session, each test inside a transaction rolled back at the end.

``DATABASE_URL=postgresql+psycopg://...`` runs the suite on PostgreSQL and ``REDIS_URL=redis://...``
on real Redis; without them it runs on SQLite with jobs inline, and tests that need the servers skip.
"""

from __future__ import annotations

import contextvars
import os
from itertools import count

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession

from app import create_app
from app.core import refdata
from app.core.actors import Actor
from app.extensions import db as _db
from app.extensions import limiter
from app.identity import keys, services, tokens
from config import TestConfig

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
IN_CI = os.environ.get("CI") == "true"
ON_POSTGRES = DATABASE_URL.startswith("postgresql")


# The embedded-default pass of ./scripts/test runs these (plus the README test, which plays every
# domain's story on SQLite); the server pass runs everything. The kernel, identity, notifications
# (jobs inline), the home, the bot and the commands are where SQLite behaves differently.
EMBEDDED = (
    "tests/core/",
    "tests/identity/",
    "tests/notifications/",
    "tests/home/",
    "tests/bots/",
    "tests/test_cli.py",
    "tests/test_migrations.py",
    "tests/test_database.py",
    "tests/test_harness.py",
    "tests/test_statements.py",
    "tests/test_bench_harness.py",
)


def pytest_collection_modifyitems(config, items):
    """Mark the embedded subset; skip server-backed tests with a reason when the servers are absent."""
    root = str(config.rootpath) + os.sep
    for item in items:
        if str(item.path).removeprefix(root).replace(os.sep, "/").startswith(EMBEDDED):
            item.add_marker(pytest.mark.embedded)
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(
                pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgresql+psycopg://...")
            )
        if "redis" in item.keywords and not REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://127.0.0.1:6379/15"))


def _reset_database(url: str) -> None:
    """Start from an empty schema (SQLite files are fresh per session already)."""
    if not url.startswith("postgresql"):
        return
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    except sa.exc.OperationalError as exc:
        pytest.exit(f"PostgreSQL unreachable at {url}: {exc}", returncode=3)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The test database: DATABASE_URL, or a fresh SQLite file."""
    return DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The application, its schema built by the migrations, signing keys (every purpose) created once."""
    _reset_database(database_url)
    application = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        REDIS_URL=REDIS_URL or None,
        UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")),
        # tests/deploy/cluster.py ends the backends under this pool to copy the database: ping every
        # connection before use, not only idle ones (tests/core/test_read_units.py tests the default).
        DATABASE_PING_IDLE_SECONDS=0,
    )
    with application.app_context():
        upgrade()
        keys.forget_cached_keys()
        for purpose in keys.PURPOSE_ALGS:
            keys.active_key(purpose)
        _db.session.commit()
    yield application
    with application.app_context():
        _db.engine.dispose()


class _TestSession(FlaskSession):
    """Bind every query to the test's connection (Flask-SQLAlchemy would pick the engine)."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture
def db(app):
    """The database inside a transaction that is rolled back after the test."""
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": _TestSession}
        )
        limiter.reset()
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()
            keys.forget_cached_keys()  # a key a test made or rotated is gone with its transaction
            refdata.forget_all()  # so are the streets, categories and calendar days it loaded


class IsolatedClient(FlaskClient):
    """Each request runs as in production: its own app context, session and locale.

    The test itself holds an app context (for factories and assertions); without this the
    request would reuse it, and with it ``g``, the session's identity map and Babel's cache.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        _db.session.expire_all()
        return response


@pytest.fixture
def client(app, db):
    """A test client sharing the test's transaction (``app.test_client()`` stays a plain client)."""
    return IsolatedClient(app, app.response_class, use_cookies=True)


_phones = count(1)


@pytest.fixture
def make_person(db):
    """Factory: a person with a fresh phone number and optional roles."""

    def make(*roles: str, department: str | None = None, locale: str | None = None, name: str = ""):
        phone = f"+86139{next(_phones):08d}"
        person, _ = services.get_or_create_person(phone, name)
        person.locale = locale
        for role in roles:
            services.grant_role(Actor.system(), person, role, department_code=department)
        db.session.flush()
        return person

    return make


@pytest.fixture
def token_for(db):
    """Factory: a bearer token for a person (as the first-party app would get)."""

    def issue(person, scopes=("openid", "profile")) -> str:
        return tokens.issue_access_token(person, client_id="test-client", scopes=list(scopes))

    return issue


@pytest.fixture
def auth(token_for):
    """Factory: request headers authenticating as a person."""

    def headers(person, **extra) -> dict:
        return {"Authorization": f"Bearer {token_for(person)}", **extra}

    return headers


@pytest.fixture
def resident(make_person):
    """A signed-up resident with no roles."""
    return make_person(name="居民甲")


@pytest.fixture
def other_resident(make_person):
    """A second resident, for checking that one never sees another's data."""
    return make_person(name="居民乙")


@pytest.fixture
def demo(db):
    """The demo city loaded into this test's transaction."""
    from app.core.demo import seed_demo

    seed_demo()
    return db


@pytest.fixture(scope="session")
def committed_app(app):
    """The app behind ``committed``: built once, with real commits and a pool for many threads."""
    side = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 60, "max_overflow": 10},
        REDIS_URL=app.config.get("REDIS_URL"),
    )
    yield side
    with side.app_context():
        _db.engine.dispose()


@pytest.fixture
def committed(committed_app):
    """A second app on the test database with real commits and a pool for many threads (PostgreSQL).

    Every table is put back to the rows it had before the test (tests/concurrency.py).
    """
    from tests.concurrency import Committed, restore, snapshot

    with committed_app.app_context():
        engine = _db.engine
        kept = snapshot(engine)
        limiter.reset()
    try:
        yield Committed(app=committed_app)
    finally:
        with committed_app.app_context():
            _db.session.remove()
            restore(engine, kept)
            engine.dispose()  # the threads' connections closed: other tests' clients find room
        keys.forget_cached_keys()  # a key a test committed is gone with the rows put back
