"""Fixtures of the payments tests: machine-client tokens and the test purpose domain."""

from __future__ import annotations

from unittest import mock

import pytest

from app.core import api as core_api
from tests.payments import helpers


@pytest.fixture
def machine_auth():
    """Factory: headers authenticating as an institution's machine client with scopes."""
    real = core_api._authenticator["bearer"]
    clients = {}

    def authenticate(token):
        return clients[token] if token in clients else real(token)

    def headers(client_id: str, *scopes: str, **extra) -> dict:
        token = f"test-machine-{len(clients)}"
        clients[token] = helpers.client_actor(client_id, *scopes)
        return {"Authorization": f"Bearer {token}", **extra}

    with mock.patch.dict(core_api._authenticator, {"bearer": authenticate}):
        yield headers


@pytest.fixture
def heard():
    """The outcomes the test purpose domain hears during the test."""
    helpers.settled.clear()
    helpers.refunded.clear()
    yield helpers
    helpers.settled.clear()
    helpers.refunded.clear()
