"""Read replicas without one: the embedded default reads from its one database, as before.

The routing itself, on a real streaming replica, is tests/deploy/test_read_replicas.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from prometheus_client import REGISTRY

from app import create_app
from app.core import replicas
from app.extensions import REPLICA_BIND, RoutingSession
from app.extensions import db as _db
from config import TestConfig

LOTS = "/api/v1/parking/lots"


def _served(reason: str) -> float:
    labels = {"route": LOTS, "engine": "primary", "reason": reason}
    return REGISTRY.get_sample_value("yimatong_read_routing_total", labels) or 0.0


def test_a_marked_read_without_replicas_is_answered_by_the_primary_and_counted(app, client):
    assert replicas.replica_set(app) is None
    before = _served("no_replica")
    response = client.get(LOTS, query_string={"near": "26.5560,106.6905"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _served("no_replica") == before + 1
    assert client.get("/api/v1/city/districts").status_code == 200
    assert _served("no_replica") == before + 1  # an unmarked route is not counted


def test_replicas_of_a_sqlite_database_are_ignored(tmp_path):
    side = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'one.db'}",
        DATABASE_REPLICA_URLS="postgresql+psycopg://reader@127.0.0.1:1/nowhere",
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    assert replicas.replica_set(side) is None


def test_replicas_without_redis_are_ignored():
    side = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://writer@127.0.0.1:1/nowhere",
        DATABASE_REPLICA_URLS="postgresql+psycopg://reader@127.0.0.1:1/nowhere",
        REDIS_URL=None,
    )
    assert replicas.replica_set(side) is None


def test_a_pin_outlasts_the_most_a_replica_in_use_can_be_behind():
    side = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://writer@127.0.0.1:1/nowhere",
        DATABASE_REPLICA_URLS="postgresql+psycopg://reader@10.0.0.7:5433/city, postgresql+psycopg://reader@10.0.0.8/city",
        REDIS_URL="redis://127.0.0.1:1/0",
        REPLICA_MAX_LAG_SECONDS=20,
        REPLICA_CHECK_SECONDS=5,
        REPLICA_PIN_SECONDS=3,
    )
    chosen = replicas.replica_set(side)
    assert [replica.name for replica in chosen.replicas] == ["10.0.0.7:5433", "10.0.0.8:5432"]
    assert chosen.pin_seconds > 20 + 5


def test_only_plain_reads_of_a_routed_session_go_to_the_replica(app):
    table = sa.table("people", sa.column("id"))
    replica = sa.create_engine("sqlite://")
    with app.app_context():
        session = RoutingSession(_db)
        session.info[REPLICA_BIND] = replica
        assert session.get_bind(clause=sa.select(table)) is replica
        assert session.get_bind(clause=sa.union(sa.select(table), sa.select(table))) is replica
        assert session.get_bind(clause=sa.select(table).with_for_update()) is _db.engine
        assert session.get_bind(clause=sa.insert(table)) is _db.engine
        assert session.get_bind(clause=sa.delete(table)) is _db.engine
        assert session.get_bind(clause=sa.text("SELECT 1")) is _db.engine
        assert session.get_bind() is _db.engine  # a flush, session.connection()
        session.info.pop(REPLICA_BIND)
        assert session.get_bind(clause=sa.select(table)) is _db.engine
        session.close()


def test_every_marked_route_is_a_read(app):
    marked = [
        rule
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "_replica_ok", False)
    ]
    assert {rule.rule for rule in marked} >= {
        "/api/v1/parking/lots",
        "/api/v1/commerce/nearby",
        "/api/v1/appointments/providers/nearby",
        "/api/v1/social-security/records",
        "/api/v1/staff/complaints/metrics/series",
    }
    assert all(rule.methods <= {"GET", "HEAD", "OPTIONS"} for rule in marked)
