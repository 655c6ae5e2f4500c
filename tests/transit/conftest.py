"""Fixtures of the transit tests: the demo network operated by a test scanner, and its token."""

from __future__ import annotations

import pytest

from tests.transit import helpers


@pytest.fixture
def network(db):
    """The demo network, its gates operated by the test scanner."""
    helpers.network()


@pytest.fixture
def scanner(client, network):
    """Headers of the test scanner's client, fetched when called (under the test's frozen clock)."""
    return lambda: helpers.scanner_headers(client)
