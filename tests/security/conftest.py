"""Fixtures of the security suite: attackers drive the HTTP API; a second node can lose its Redis.

A second app on the same database and the same test transaction stands in for another node of the
deployment. ``unreachable_node`` points its Redis at a port nobody listens on, so the test can act on
one node while Redis is down and check the result on the other (whose Redis answers whenever the
suite runs with ``REDIS_URL``). The shared Redis server is never stopped.
"""

from __future__ import annotations

import pytest

from app import create_app
from app.extensions import db as _db
from config import TestConfig
from tests.conftest import IsolatedClient

UNREACHABLE_REDIS = "redis://127.0.0.1:6390/0"  # nobody listens here


@pytest.fixture(scope="session")
def unreachable_app(app):
    """Another node of the deployment, on the same database, whose Redis cannot be reached."""
    node = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=UNREACHABLE_REDIS
    )
    yield node
    with node.app_context():
        _db.engine.dispose()


@pytest.fixture
def unreachable_node(unreachable_app, db):
    """A client of the node without Redis, sharing the test's transaction."""
    return IsolatedClient(unreachable_app, unreachable_app.response_class, use_cookies=True)
