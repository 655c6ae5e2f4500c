"""Extension objects, created unbound here and bound in ``create_app``."""

from __future__ import annotations

import functools
import re
import time
import weakref

import flask
from flask.globals import request_ctx
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_qualified_name, get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase

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


REPLICA_BIND = "yimatong.replica"  # session.info: the replica engine of a request marked replica_ok
# The request's WSGI environ: its transaction begins at its first write (app.core.uow, PostgreSQL).
# Kept on the request, not the session, so a request that never touches the database makes no session.
LAZY_UNIT = "yimatong.lazy-unit"
_LAZY = "yimatong_transaction_at_first_write"  # the execution option marking the engine copy
_lazy_copies: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_PLAIN_SELECT = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_OPENS_A_TRANSACTION = re.compile(
    r"\bFOR\s+(?:UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b|\bpg_advisory_xact|\bset_config\b",
    re.IGNORECASE,
)


def lazy_transactions(engine: Engine) -> Engine:
    """The copy of ``engine`` (same pool) whose transaction begins at the first statement needing one.

    Its connections start in the driver's autocommit: plain ``SELECT``s run on their own, with no
    ``BEGIN`` and no ``COMMIT`` round trip. Just before any other statement — a write, a locking or
    advisory-lock read, a savepoint, anything that is not a plain ``SELECT`` — the driver leaves
    autocommit, so that statement and everything after it run in one transaction the session
    commits or rolls back as usual. SQLAlchemy resets the connection when it returns to the pool.
    """
    copy = _lazy_copies.get(engine)
    if copy is None:
        copy = engine.execution_options(isolation_level="AUTOCOMMIT", **{_LAZY: True})
        event.listen(copy, "before_cursor_execute", _begin_before_writing)
        _lazy_copies[engine] = copy
    return copy


def _begin_before_writing(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    dbapi_connection = conn.connection.dbapi_connection
    if not dbapi_connection.autocommit:
        return  # the transaction has begun
    if _reads_only(statement):
        return
    dbapi_connection.autocommit = False  # psycopg sends BEGIN before this statement


@functools.lru_cache(maxsize=1024)
def _reads_only(statement: str) -> bool:
    """A plain ``SELECT`` that opens no transaction; kept per statement text.

    The search runs over the whole text: 0.3 ms for the home's gathered statement (10 KB) on every
    visit, and the same few hundred statements are what a worker runs all day.
    """
    return bool(_PLAIN_SELECT.match(statement)) and not _OPENS_A_TRANSACTION.search(statement)


class RoutingSession(FlaskSession):
    """Flask-SQLAlchemy's session; in a request routed to a replica (app.core.replicas), plain reads go there.

    Flushes, DML, locking reads, text statements and ``session.connection()`` stay on the primary.
    In a unit whose transaction begins at its first write (``LAZY_UNIT``) the primary is its
    :func:`lazy_transactions` copy.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        """The replica for a plain read of a routed request; otherwise the engine Flask-SQLAlchemy picks."""
        replica = self.info.get(REPLICA_BIND)
        if replica is not None and bind is None and _plain_read(clause):
            return replica
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is None and flask.has_request_context() and flask.request.environ.get(LAZY_UNIT):
            return lazy_transactions(engine)
        return engine


def _plain_read(clause) -> bool:
    """A ``SELECT`` (or a union of them) without ``FOR UPDATE``/``FOR SHARE``."""
    return bool(getattr(clause, "is_select", False)) and getattr(clause, "_for_update_arg", None) is None


db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})


def has_session() -> bool:
    """Whether this app context has made its session yet (asking ``db.session`` would make one)."""
    return db.session.registry.has()


_CHECKED_IN = "yimatong.checked_in"


def ping_when_idle(engine: Engine, seconds: int) -> None:
    """Ping a pooled connection before use only when it sat idle longer than ``seconds``.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout, a round trip per request. A connection
    returned moments ago is alive unless the server went away in those moments, and then the
    requests in flight fail anyway; one idle longer (a restart, a failover, a proxy's idle timeout
    may have ended it) is pinged with the dialect's own ping, and a dead one is replaced before
    the request gets it (``DisconnectionError``: the pool connects again). ``seconds`` 0 pings always.
    """
    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        since = record.info.get(_CHECKED_IN)
        if since is None or time.monotonic() - since <= seconds and seconds > 0:
            return  # just connected, or just used
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure of the ping means: use another connection
            raise DisconnectionError("the pooled connection did not answer its ping") from exc


@event.listens_for(Engine, "connect")
def _sqlite_leave_transactions_to_sqlalchemy(dbapi_connection, _record) -> None:
    """Stop pysqlite from opening and committing transactions on its own; let writers wait.

    pysqlite begins a transaction only before DML and treats ``SAVEPOINT`` outside one as a
    transaction of its own, so ``RELEASE`` commits: savepoints (``begin_nested``) would not nest.
    SQLAlchemy's documented fix: autocommit at the driver, ``BEGIN`` emitted on SQLAlchemy's begin.
    WAL lets readers work beside a writer; the busy timeout makes a second writer wait, not fail.
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA busy_timeout = 30000")
        dbapi_connection.execute("PRAGMA journal_mode = WAL")
        dbapi_connection.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, never corrupt


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """``BEGIN IMMEDIATE`` on SQLite: take the write lock up front.

    Two requests that read then write then queue behind each other instead of deadlocking into
    "database is locked" (the embedded default serves with several threads or workers).
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


migrate = Migrate()
babel = Babel()


_GATED = "yimatong.limiter-hooks-gated"


class EndpointLimiter(Limiter):
    """Flask-Limiter that skips, at the request's start, the endpoints no limit applies to.

    The limits here are on a few views (sign-in, codes, payments' neighbours), never default or
    application-wide. Flask-Limiter still resolves every request's limits in its ``before_request``
    hook, which costs more than a small API call's query; this answers "no limit here" from a
    per-endpoint memo instead. A limit checked by its own decorator (``in_middleware=False``) always
    goes through, so nothing decorated is ever skipped.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._limited: dict[str, bool] = {}

    def init_app(self, app: flask.Flask) -> None:
        """Flask-Limiter's hooks; its response and teardown hooks run only where a limit was checked.

        Checking a limit (the request hook on a limited endpoint, a decorated view) makes the
        request's limiter context, which holds the headers to send and the deductions to make; a
        request without one has nothing for those hooks to do, and they cost more than a small
        API call's view.
        """
        super().init_app(app)
        if app.extensions.setdefault(_GATED, set()) & {id(self)}:
            return
        app.extensions[_GATED].add(id(self))
        inject, release = Limiter._Limiter__inject_headers, self._Limiter__release_context
        after = app.after_request_funcs.get(None, [])
        teardown = app.teardown_request_funcs.get(None, [])
        gated = 0
        for index, hook in enumerate(after):
            if isinstance(hook, functools.partial) and hook.func is inject and hook.args == (self,):
                after[index], gated = _when_limited(hook, passthrough=True), gated + 1
        for index, hook in enumerate(teardown):
            if hook == release:
                teardown[index], gated = _when_limited(hook, passthrough=False), gated + 1
        if gated != 2:
            raise RuntimeError("Flask-Limiter's request hooks are not where this version put them")

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if in_middleware and callable_name is None:
            endpoint = flask.request.endpoint or ""
            limited = self._limited.get(endpoint)
            if limited is None:
                limited = self._limited[endpoint] = self._endpoint_limited(endpoint)
            if not limited:
                return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _endpoint_limited(self, endpoint: str) -> bool:
        manager = self.limit_manager
        if manager.default_limits or manager.application_limits or manager._blueprint_limits:
            return True
        if manager.has_hints(endpoint):
            return True
        view = flask.current_app.view_functions.get(endpoint)
        return view is None or get_qualified_name(view) in self._marked_for_limiting


def _when_limited(hook, *, passthrough: bool):
    """``hook``, run only in a request that checked a limit (otherwise the response goes as it is)."""

    @functools.wraps(hook)
    def gated(argument=None):
        if hasattr(request_ctx._get_current_object(), "_limiter_request_context"):
            return hook(argument)
        return argument if passthrough else None

    return gated


limiter = EndpointLimiter(key_func=get_remote_address, default_limits=[])


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


# psycopg works a statement's ``%(name)s`` placeholders out into ``$n`` again on every execution
# when the statement is longer than 4 KB or binds more than 50 values (``psycopg._queries``: so that
# ever-different ``INSERT ... VALUES`` lists stay out of its 128-entry cache). The home's gathered
# statements (about 10 KB binding 65 values, 4 KB binding 28: app.core.cards) are the same on every
# visit; working them out again cost the worker about half a millisecond a home (docs/performance.md,
# "The home's own cost"). Raised so they are cached too; the cache keeps its 128 entries.
LONGEST_CACHED_STATEMENT = 16_384
MOST_CACHED_PARAMETERS = 128


def _psycopg_caches_the_home_s_statements() -> None:
    try:
        from psycopg import _queries
    except ImportError:  # SQLite only
        return
    length, parameters = "MAX_CACHED_STATEMENT_LENGTH", "MAX_CACHED_STATEMENT_PARAMS"
    if hasattr(_queries, length) and hasattr(_queries, parameters):
        setattr(_queries, length, max(getattr(_queries, length), LONGEST_CACHED_STATEMENT))
        setattr(_queries, parameters, max(getattr(_queries, parameters), MOST_CACHED_PARAMETERS))


_psycopg_caches_the_home_s_statements()
