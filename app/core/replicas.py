"""Read replicas: the plain reads of a route marked :func:`replica_ok` go to a streaming replica when safe.

* **Which routes.** Only routes marked ``@replica_ok`` (read-only ``GET``s whose answer may be a
  few seconds old: rates for charts, histories, nearby searches). Everything else, every write and
  every ``SELECT ... FOR UPDATE`` of any route, goes to the primary. Inside a marked route only the
  ORM's and Core's ``SELECT`` statements go to the replica; a write a read records (an audit entry)
  still goes to the primary, in the same unit of work.
* **Read your writes.** After a request of any other method commits, its caller (the signed-in
  person, and the principal a proxy acted for, or the machine client) is *pinned* in Redis for
  ``REPLICA_PIN_SECONDS``; a pinned caller's marked reads go to the primary. The pin is never
  shorter than ``REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS``, the most a replica in use can
  be behind, so once it lapses any replica in use has the caller's write. Redis rather than a cookie
  or header: the pin holds on every node and for every client of the API (apps, machine
  clients) without the client's cooperation, and a client cannot shorten it. Without Redis, or with
  Redis unreachable, pins cannot be read, and every read goes to the primary.
* **Health.** Each process asks each replica at most every ``REPLICA_CHECK_SECONDS`` whether it is
  in recovery and how far behind it is: zero when it has replayed everything the primary had
  written a moment before the check, otherwise the age of the last transaction it replayed. A
  replica behind more than ``REPLICA_MAX_LAG_SECONDS``, or one that does not answer (within
  ``REPLICA_CONNECT_TIMEOUT`` seconds), is not used until a later check finds it well; a replica
  that fails when a request connects to it is marked down at once and the request reads from the
  primary.
* **No replica configured** (``DATABASE_REPLICA_URLS`` unset, the embedded SQLite default):
  everything goes to the primary, as before.
* **Metrics.** ``yimatong_read_routing_total{route,engine,reason}`` counts which engine served each
  marked request and why; ``yimatong_replica{figure,replica}`` (``up``: 1 or 0, ``lag_seconds``) is read
  at each scrape.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from prometheus_client import Counter
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.core import metrics
from app.extensions import REPLICA_BIND, db, get_redis, has_session

log = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD"})
PIN_PREFIX = "yimatong:read-pin:"
EXTENSION = "yimatong.replicas"


class Reason:
    """Why a marked request read where it did (the ``reason`` label)."""

    REPLICA = "replica"  # a healthy replica, the caller not pinned
    NO_REPLICA = "no_replica"  # none configured
    PINNED = "pinned"  # the caller wrote recently
    NO_PINS = "no_pins"  # pins cannot be read (no Redis, or Redis unreachable)
    LAGGING = "lagging"  # every replica is further behind than allowed
    DOWN = "down"  # no replica answers


ROUTED = Counter(
    "yimatong_read_routing",
    "Requests of routes marked replica_ok, by route template, the engine that served them and why.",
    ["route", "engine", "reason"],
)
PRIMARY = "primary"


def replica_ok(view: Callable) -> Callable:
    """Mark a read-only route whose answer may come from a replica (a few seconds behind the primary).

    Put it right under the blueprint's ``route``. The route must only read: a write, or a read of
    something it wrote in the same request, would not be on the replica.
    """
    view._replica_ok = True
    return view


@dataclass
class Health:
    """What the last check of a replica found."""

    checked_at: float = float("-inf")
    up: bool = False
    lag: float | None = None


class Replica:
    """One streaming replica: its engine and the last check of its health (per process)."""

    def __init__(self, url: str, engine_options: dict, connect_timeout: int):
        parsed = make_url(url)
        self.name = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
        options = {**engine_options, "pool_pre_ping": True}
        options["connect_args"] = {**options.get("connect_args", {}), "connect_timeout": connect_timeout}
        self.engine = sa.create_engine(parsed, **options)
        self.health = Health()
        self._lock = threading.Lock()

    def checked(self, primary: sa.Engine, every: float) -> Health:
        """The health of this replica, asked again when the last check is older than ``every`` seconds."""
        if time.monotonic() - self.health.checked_at < every or not self._lock.acquire(blocking=False):
            return self.health  # fresh enough, or another thread is asking right now
        try:
            self.health = self._ask(primary)
        finally:
            self._lock.release()
        return self.health

    def mark_down(self) -> None:
        """The replica failed a request: not used until the next check finds it well."""
        self.health = Health(checked_at=time.monotonic(), up=False, lag=None)

    def _ask(self, primary: sa.Engine) -> Health:
        now = time.monotonic()
        try:
            with primary.connect() as connection:
                written = connection.scalar(sa.text("SELECT pg_current_wal_lsn()::text"))
            with self.engine.connect() as connection:
                recovering, caught_up, age = connection.execute(
                    sa.text(
                        "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= CAST(:written AS pg_lsn), "
                        "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())"
                    ),
                    {"written": written},
                ).one()
        except sa.exc.DBAPIError:
            log.warning("read replica %s does not answer", self.name, exc_info=True)
            return Health(checked_at=now, up=False)
        if not recovering:
            log.warning("read replica %s is not in recovery (promoted?): not used", self.name)
            return Health(checked_at=now, up=False)
        lag = 0.0 if caught_up else (float(age) if age is not None else None)
        return Health(checked_at=now, up=True, lag=lag)


class ReplicaSet:
    """The replicas of one application and its routing settings."""

    def __init__(self, app: Flask, urls: list[str]):
        config = app.config
        self.max_lag = float(config["REPLICA_MAX_LAG_SECONDS"])
        self.check_every = float(config["REPLICA_CHECK_SECONDS"])
        self.pin_seconds = max(int(config["REPLICA_PIN_SECONDS"]), int(self.max_lag + self.check_every + 1))
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        self.replicas = [Replica(url, options, int(config["REPLICA_CONNECT_TIMEOUT"])) for url in urls]
        self.pins_unknown_until = float("-inf")  # monotonic: until then this process cannot trust pins

    def distrust_pins(self, seconds: float) -> None:
        """Read every pinnable caller from the primary for ``seconds`` (a pin was lost, or Redis is down)."""
        self.pins_unknown_until = max(self.pins_unknown_until, time.monotonic() + seconds)

    def usable(self) -> tuple[list[Replica], str]:
        """The replicas that may serve a read now, or none and why."""
        checked = [(replica, replica.checked(db.engine, self.check_every)) for replica in self.replicas]
        up = [(replica, health) for replica, health in checked if health.up]
        if not up:
            return [], Reason.DOWN
        fresh = [replica for replica, health in up if health.lag is not None and health.lag <= self.max_lag]
        return (fresh, Reason.REPLICA) if fresh else ([], Reason.LAGGING)

    def dispose(self) -> None:
        """Close every replica's connections (tests, forks)."""
        for replica in self.replicas:
            replica.engine.dispose()


def replica_set(app: Flask | None = None) -> ReplicaSet | None:
    """The configured replicas of ``app`` (the current one by default), or None."""
    return (app or current_app).extensions.get(EXTENSION)


# --- who is asking, and the pins of those who wrote --------------------------------------------------


def _callers() -> list[str]:
    """The pin keys of this request's caller: the person, the principal a proxy acts for, or the client."""
    actor = g.get("actor")
    if actor is None:
        return []
    keys = {f"person:{pid}" for pid in (actor.person_id, actor.principal_id) if pid is not None}
    if actor.client_id and actor.person_id is None:
        keys.add(f"client:{actor.client_id}")
    return sorted(PIN_PREFIX + key for key in keys)


PIN_RETRY_SECONDS = 5.0  # after Redis failed a read of pins, how long before asking it again


def _pinned(replicas: ReplicaSet, keys: list[str]) -> bool | None:
    """True when any of the callers wrote recently; None when the pins cannot be read."""
    if not keys:
        return False
    connection = get_redis()
    if connection is None or time.monotonic() < replicas.pins_unknown_until:
        return None
    try:
        return bool(connection.exists(*keys))
    except Exception:  # noqa: BLE001 - Redis down: the primary answers
        log.warning("read pins cannot be read: reading from the primary", exc_info=True)
        replicas.distrust_pins(PIN_RETRY_SECONDS)
        return None


def _pin_writer(session: Session) -> None:
    """After a request that is not a read commits: pin its callers to the primary for a while."""
    if not has_request_context() or request.method in READ_METHODS or request.method == "OPTIONS":
        return
    replicas = current_app.extensions.get(EXTENSION)
    keys = _callers() if replicas is not None else []
    connection = get_redis() if keys else None
    if connection is None:
        return
    try:
        pipe = connection.pipeline(transaction=False)
        for key in keys:
            pipe.set(key, "1", ex=replicas.pin_seconds)
        pipe.execute()
    except Exception:  # noqa: BLE001 - the write is committed; the caller's reads here go to the primary
        log.warning("could not pin %s to the primary after a write", keys, exc_info=True)
        replicas.distrust_pins(replicas.pin_seconds)


# --- routing each marked request ------------------------------------------------------------------


def _route_request() -> None:
    """Before a marked read: choose the engine its plain reads use, and count the choice."""
    if request.method not in READ_METHODS or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, "_replica_ok", False):
        return
    engine, name, reason = _choose()
    route = request.url_rule.rule if request.url_rule is not None else metrics.UNMATCHED
    ROUTED.labels(route, name, reason).inc()
    if engine is not None:
        db.session.info[REPLICA_BIND] = engine


def _choose() -> tuple[sa.Engine | None, str, str]:
    replicas = replica_set()
    if replicas is None:
        return None, PRIMARY, Reason.NO_REPLICA
    pinned = _pinned(replicas, _callers())
    if pinned is None:
        return None, PRIMARY, Reason.NO_PINS
    if pinned:
        return None, PRIMARY, Reason.PINNED
    candidates, reason = replicas.usable()
    random.shuffle(candidates)
    for replica in candidates:
        if _connected(replica):
            return replica.engine, replica.name, Reason.REPLICA
        reason = Reason.DOWN
    return None, PRIMARY, reason


def _connected(replica: Replica) -> bool:
    """Open this request's transaction on the replica now, so a replica that died falls back here."""
    try:
        db.session.connection(bind_arguments={"bind": replica.engine})
        return True
    except sa.exc.DBAPIError:
        log.warning("read replica %s failed a request: reading from the primary", replica.name, exc_info=True)
        replica.mark_down()
        db.session.rollback()
        return False


def _forget_route(_error=None) -> None:
    if "sqlalchemy" in current_app.extensions and has_session():
        db.session.info.pop(REPLICA_BIND, None)


# --- gauges and set-up -----------------------------------------------------------------------------


def _health_samples() -> Iterable[metrics.Sample]:
    replicas = replica_set()
    for replica in replicas.replicas if replicas else ():
        health = replica.checked(db.engine, replicas.check_every)
        yield ("up", replica.name), 1.0 if health.up else 0.0
        if health.up and health.lag is not None:
            yield ("lag_seconds", replica.name), health.lag


def init_app(app: Flask) -> None:
    """Build the replicas' engines when configured; route marked reads; pin writers."""
    urls = [url.strip() for url in (app.config.get("DATABASE_REPLICA_URLS") or "").split(",") if url.strip()]
    primary = app.config.get("SQLALCHEMY_DATABASE_URI") or ""
    if urls and not primary.startswith("postgresql"):
        log.warning("DATABASE_REPLICA_URLS is set but the primary is not PostgreSQL: every read goes to it")
        urls = []
    if urls and not app.config.get("REDIS_URL"):
        log.warning(
            "read replicas need REDIS_URL (the pins of recent writers): every read goes to the primary"
        )
        urls = []
    if urls:
        app.extensions[EXTENSION] = ReplicaSet(app, urls)
        metrics.register_sampler(
            "yimatong_replica",
            "Read replicas as this node last saw them: up (1 or 0) and lag_seconds.",
            _health_samples,
            ("figure", "replica"),
        )
    app.before_request(_route_request)
    app.teardown_request(_forget_route)


event.listen(Session, "after_commit", _pin_writer)
