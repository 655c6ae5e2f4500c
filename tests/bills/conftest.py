"""Fixtures of the bills tests: a sandbox biller, a bound account, and tokens of billers and proxies."""

from __future__ import annotations

from unittest import mock

import pytest

from app.core import api as core_api
from tests.bills import helpers


@pytest.fixture
def as_actor():
    """Factory: headers whose bearer token stands for a given Actor (a biller's client, a proxy)."""
    real = core_api._authenticator["bearer"]
    actors = {}

    def authenticate(token):
        return actors[token] if token in actors else real(token)

    def headers(actor, **extra) -> dict:
        token = f"test-actor-{len(actors)}"
        actors[token] = actor
        return {"Authorization": f"Bearer {token}", **extra}

    with mock.patch.dict(core_api._authenticator, {"bearer": authenticate}):
        yield headers


@pytest.fixture
def water(db):
    """A sandbox water biller: confirms by rule, supports fetching, takes app payments and autopay."""
    return helpers.make_biller()


@pytest.fixture
def biller_headers(as_actor, water):
    """Headers of the water biller's client (bills:write)."""
    return as_actor(helpers.biller_actor(water))


@pytest.fixture
def account(resident, water):
    """The resident's confirmed water account."""
    return helpers.bind(resident, water)
