"""Extension objects, created unbound here and bound in ``create_app``."""

from __future__ import annotations

import http
import sqlite3

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from app.core.errors import ProblemSchema

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def _sqlite_autocommit_off(dbapi_connection, _record) -> None:
    """Let SQLAlchemy, not the sqlite3 module, decide where transactions begin."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None


def _sqlite_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


def enable_sqlite_transactions() -> None:
    """Make SQLite transactions and SAVEPOINTs behave as on PostgreSQL.

    The sqlite3 module begins transactions only before data changes, so a SAVEPOINT issued first
    starts (and its RELEASE commits) the whole transaction: nested transactions, and tests that
    roll back, silently break. SQLAlchemy's documented remedy: emit BEGIN ourselves.
    """
    if not event.contains(Engine, "connect", _sqlite_autocommit_off):
        event.listen(Engine, "connect", _sqlite_autocommit_off)
        event.listen(Engine, "begin", _sqlite_begin)


migrate = Migrate()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class YimatongApi(Api):
    """flask-smorest Api whose documented error body is the RFC 9457 problem document."""

    ERROR_SCHEMA = ProblemSchema
    PROBLEM_CONTENT_TYPE = "application/problem+json"

    def _register_error_handlers(self):
        # Errors are turned into problem documents by app.core.errors.
        return None

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                content_type = self.PROBLEM_CONTENT_TYPE
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem document (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, self.PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


api = YimatongApi()


class RedisConnection:
    """A lazily opened Redis client; ``None`` on the embedded default (no REDIS_URL)."""

    def __init__(self):
        self._clients: dict[str, object] = {}

    def client(self, url: str | None):
        """The shared client for ``url`` (one per process), or None without a URL."""
        if not url:
            return None
        if url not in self._clients:
            import redis

            self._clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        return self._clients[url]


redis_connection = RedisConnection()


def get_redis():
    """The Redis client of the current app, or None when Redis is not configured."""
    from flask import current_app

    return redis_connection.client(current_app.config.get("REDIS_URL"))
