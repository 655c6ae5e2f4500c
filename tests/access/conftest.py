"""Fixtures of the access tests: the demo compounds and venues, the resident living in the first."""

from __future__ import annotations

import pytest

from tests.access import helpers


@pytest.fixture
def compounds(db):
    """(home, other): the resident's compound and another one."""
    return helpers.places()


@pytest.fixture
def home(compounds, resident, make_person):
    """The resident's compound (金阳花园)."""
    helpers.live_in(compounds[0], resident, make_person)
    return compounds[0]


@pytest.fixture
def gate_scanner(client, compounds):
    """Headers of the compounds' gate scanner, fetched when called."""
    return lambda: helpers.scanner_headers(client, helpers.GATES)


@pytest.fixture
def venue_scanner(client, compounds):
    """Headers of the venues' scanner, fetched when called."""
    return lambda: helpers.scanner_headers(client, helpers.VENUES)
