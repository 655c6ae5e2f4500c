"""Read replicas, on a real streaming replica of the test server started here (tests/deploy/replica.py).

What docs/deploy.md promises about ``DATABASE_REPLICA_URLS``, checked with the replica's replay
paused so that it is provably behind the primary:

* a marked read (the public parking search) is answered from the replica: it shows the lot as it was
  before a change the primary already committed, and the metrics say the replica served it;
* a replica further behind than ``REPLICA_MAX_LAG_SECONDS`` is not used;
* a resident who has just written (a social-security refresh) reads the write at once, although
  the replica does not hold it; so does a machine client (a parking operator's occupancy);
* with Redis unreachable a signed-in caller's pins cannot be read, so the primary answers them; a
  process that could not write a caller's pin reads signed-in callers from the primary for a pin's
  length;
* a replica that is down (stopped, or dying between its health check and a request) is not used:
  the primary answers.
"""

from __future__ import annotations

import os
import time
import uuid
from unittest import mock

import pytest
import redis
from prometheus_client import REGISTRY

from app import create_app
from app.core import replicas
from app.core.actors import Actor, ActorKind
from app.core.geo import Point
from app.extensions import db as _db
from app.identity import services as identity
from app.identity import tokens
from app.parking import services as parking
from config import TestConfig
from tests.concurrency import restore, snapshot
from tests.conftest import DATABASE_URL, IN_CI, ON_POSTGRES
from tests.deploy.replica import ReplicaUnavailable, StreamingReplica
from tests.parking.helpers import OPERATOR, TARIFF, client_token, register_client
from tests.social_security.helpers import national_id

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

REDIS_URL = os.environ.get("REDIS_URL", "")
LOTS = "/api/v1/parking/lots"
RECORDS = "/api/v1/social-security/records"


@pytest.fixture(scope="module")
def replica(app):
    """A streaming replica of the test server on a free port (CI fails when it cannot be started)."""
    if not ON_POSTGRES:
        pytest.skip("a streaming replica needs PostgreSQL: set DATABASE_URL=postgresql+psycopg://...")
    standby = StreamingReplica(DATABASE_URL)
    try:
        standby.start()
    except ReplicaUnavailable as exc:
        standby.remove()
        if IN_CI:
            pytest.fail(f"the streaming replica could not be started: {exc}")
        pytest.skip(f"the streaming replica could not be started: {exc}")
    try:
        yield standby
    finally:
        standby.remove()


def _replicated_app(standby: StreamingReplica, **settings):
    return create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=DATABASE_URL,
        DATABASE_REPLICA_URLS=standby.url,
        REPLICA_CONNECT_TIMEOUT=1,
        **{"REDIS_URL": REDIS_URL, "REPLICA_MAX_LAG_SECONDS": 60, "REPLICA_CHECK_SECONDS": 0, **settings},
    )


@pytest.fixture
def city(app, replica):
    """An app reading from the replica (health asked at every request), its commits real, undone after."""
    side = _replicated_app(replica)
    with side.app_context():
        kept = snapshot(_db.engine)
    try:
        yield side
    finally:
        replica.resume()
        with side.app_context():
            _db.session.remove()
            restore(_db.engine, kept)
            _db.engine.dispose()
            replicas.replica_set().dispose()
        connection = redis.Redis.from_url(REDIS_URL)
        for key in connection.scan_iter(replicas.PIN_PREFIX + "*"):
            connection.delete(key)


def _commit(app, work):
    with app.app_context():
        result = work()
        _db.session.commit()
        return result


def _lot(app, *, capacity: int = 40) -> tuple[str, str]:
    """A lot of the test operator somewhere of its own; its code and the ``near`` that finds it."""
    code = f"replica-{uuid.uuid4().hex[:8]}"
    lat, lng = 26.40 + uuid.uuid4().int % 1000 / 10000, 106.60

    def make():
        register_client(OPERATOR)
        fields = {
            "names": {"zh_Hans": f"{code}停车场", "zh_Hant": f"{code}停車場", "en": f"{code} car park"},
            "operator_client_id": OPERATOR,
            "capacity": capacity,
            "point": Point(lat, lng),
            "tariff": TARIFF,
        }
        parking.save_lot(Actor.system(), code, fields)

    _commit(app, make)
    return code, f"{lat},{lng}"


def _occupy(app, code: str, occupied: int) -> None:
    operator = Actor(kind=ActorKind.CLIENT, client_id=OPERATOR, scopes=frozenset({parking.WRITE_SCOPE}))
    _commit(app, lambda: parking.report_occupancy(operator, code, occupied))


def _free_spaces(client, code: str, near: str, headers: dict | None = None) -> int:
    response = client.get(LOTS, query_string={"near": near, "radius": 200}, headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    (lot,) = [lot for lot in response.get_json() if lot["code"] == code]
    return lot["free_spaces"]


def _served(engine: str, reason: str, route: str = "/api/v1/parking/lots") -> float:
    labels = {"route": route, "engine": engine, "reason": reason}
    return REGISTRY.get_sample_value("yimatong_read_routing_total", labels) or 0.0


def _replica_name(standby: StreamingReplica) -> str:
    return f"127.0.0.1:{standby.port}"


# --- served by the replica ------------------------------------------------------------------------


def test_a_marked_read_is_served_by_the_replica(city, replica):
    code, near = _lot(city)
    replica.caught_up()
    client = city.test_client()
    assert _free_spaces(client, code, near) == 40

    replica.pause()
    _occupy(city, code, 25)  # committed on the primary; the replica receives it but does not replay it
    before = _served(_replica_name(replica), "replica")
    assert _free_spaces(client, code, near) == 40  # the replica's answer: it is behind
    assert _served(_replica_name(replica), "replica") == before + 1

    replica.resume()
    replica.caught_up()
    assert _free_spaces(client, code, near) == 15

    scraped = client.get("/metrics").get_data(as_text=True)
    assert f'yimatong_replica{{figure="up",replica="{_replica_name(replica)}"}} 1.0' in scraped


def test_a_replica_further_behind_than_allowed_is_not_used(app, replica):
    strict = _replicated_app(replica, REPLICA_MAX_LAG_SECONDS=1)
    with strict.app_context():
        kept = snapshot(_db.engine)
    try:
        code, near = _lot(strict)
        replica.caught_up()
        replica.pause()
        _occupy(strict, code, 30)
        time.sleep(1.5)  # the last transaction the replica replayed is now older than a second
        before = _served("primary", "lagging")
        assert _free_spaces(strict.test_client(), code, near) == 10  # the primary's answer
        assert _served("primary", "lagging") == before + 1
    finally:
        replica.resume()
        with strict.app_context():
            restore(_db.engine, kept)
            _db.engine.dispose()
            replicas.replica_set().dispose()


# --- read your writes -----------------------------------------------------------------------------


def test_a_resident_reads_their_own_write_at_once(city, replica):
    def verified_resident():
        person, _ = identity.get_or_create_person(f"+86136{uuid.uuid4().int % 10**8:08d}", "林晓")
        _db.session.flush()
        identity.verify_real_name(Actor(kind=ActorKind.PERSON, person_id=person.id), "林晓", national_id())
        token = tokens.issue_access_token(person, client_id="test-client", scopes=["openid", "profile"])
        return person.id, {"Authorization": f"Bearer {token}"}

    person_id, headers = _commit(city, verified_resident)
    replica.caught_up()
    replica.pause()
    client = city.test_client()

    asked = client.post("/api/v1/social-security/refresh", headers=headers)
    assert asked.status_code == 200, asked.get_data(as_text=True)
    assert sum(source["records"] for source in asked.get_json()) > 0  # the sandbox pushed a history

    before = _served("primary", "pinned", RECORDS)
    history = client.get(RECORDS, headers=headers)
    assert history.status_code == 200, history.get_data(as_text=True)
    assert history.get_json()["items"], "the resident does not see the records just fetched"
    assert _served("primary", "pinned", RECORDS) == before + 1
    # The replica does not hold them: only the primary could have answered.
    held = replica.scalar(
        "SELECT count(*) FROM ss_insured i JOIN people p ON p.national_id_hash = i.national_id_hash "
        "WHERE p.id = :person",
        person=person_id,
    )
    assert held == 0


def test_an_operator_reads_its_own_occupancy_at_once(city, replica):
    code, near = _lot(city)
    replica.caught_up()
    replica.pause()
    client = city.test_client()
    operator = client_token(client, OPERATOR)

    changed = client.put(f"/api/v1/operator/lots/{code}/occupancy", headers=operator, json={"occupied": 38})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert _free_spaces(client, code, near, operator) == 2  # the operator: from the primary
    assert _free_spaces(client, code, near) == 40  # anyone else: from the replica, still behind


def test_with_redis_unreachable_a_signed_in_caller_reads_from_the_primary(app, replica):
    blind = _replicated_app(replica, REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    with blind.app_context():
        kept = snapshot(_db.engine)
    client = blind.test_client()
    try:
        code, near = _lot(blind)
        replica.caught_up()
        operator = client_token(client, OPERATOR)
        replica.pause()
        _occupy(blind, code, 12)
        before = _served("primary", "no_pins")
        assert _free_spaces(client, code, near, operator) == 28  # its pins cannot be read: the primary
        assert _served("primary", "no_pins") == before + 1
        assert _free_spaces(client, code, near) == 40  # an anonymous search has no pins to read
    finally:
        replica.resume()
        with blind.app_context():
            restore(_db.engine, kept)
            _db.engine.dispose()
            replicas.replica_set().dispose()


def test_a_pin_that_could_not_be_written_sends_this_process_to_the_primary(city, replica):
    code, near = _lot(city)
    replica.caught_up()
    replica.pause()
    client = city.test_client()
    operator = client_token(client, OPERATOR)
    occupancy = f"/api/v1/operator/lots/{code}/occupancy"
    with mock.patch.object(redis.client.Pipeline, "execute", side_effect=redis.ConnectionError("gone")):
        changed = client.put(occupancy, headers=operator, json={"occupied": 7})
    assert changed.status_code == 200, changed.get_data(as_text=True)  # the write stands
    connection = redis.Redis.from_url(REDIS_URL)
    assert not list(connection.scan_iter(replicas.PIN_PREFIX + "*"))  # no pin was kept
    before = _served("primary", "no_pins")
    assert _free_spaces(client, code, near, operator) == 33  # still the operator's own write
    assert _served("primary", "no_pins") == before + 1


# --- a replica that is down -------------------------------------------------------------------------


def test_a_replica_that_is_down_is_not_used(city, replica):
    code, near = _lot(city)
    _occupy(city, code, 5)
    client = city.test_client()
    replica.stop_server()
    try:
        before = _served("primary", "down")
        assert _free_spaces(client, code, near) == 35
        assert _served("primary", "down") == before + 1
        scraped = client.get("/metrics").get_data(as_text=True)
        assert f'yimatong_replica{{figure="up",replica="{_replica_name(replica)}"}} 0.0' in scraped
    finally:
        replica.start_server()
    replica.caught_up()
    assert _free_spaces(client, code, near) == 35
    assert _served(_replica_name(replica), "replica") > 0


def test_a_replica_that_dies_after_its_check_falls_back_at_once(app, replica):
    trusting = _replicated_app(replica, REPLICA_CHECK_SECONDS=600)  # its health is not asked again
    with trusting.app_context():
        kept = snapshot(_db.engine)
    client = trusting.test_client()
    try:
        code, near = _lot(trusting)
        replica.caught_up()
        assert _free_spaces(client, code, near) == 40  # checked once: healthy, and used
        replica.stop_server()  # its pooled connection dies with it
        before = _served("primary", "down")
        assert _free_spaces(client, code, near) == 40
        assert _served("primary", "down") == before + 1
    finally:
        replica.start_server()
        with trusting.app_context():
            restore(_db.engine, kept)
            _db.engine.dispose()
            replicas.replica_set().dispose()
