"""Fixtures of the parking tests: noon in Shanghai, a lot with its operator's token, the police's token."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.core import clock
from app.core.calendar import SHANGHAI
from tests.parking import helpers

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def noon():
    """The tests run at noon in Shanghai (outside quiet hours), unless one moves the clock."""
    with clock.frozen(NOON):
        yield NOON


@pytest.fixture
def lot(db):
    """A lot of the test operator with the test tariff."""
    return helpers.make_lot()


@pytest.fixture
def operator_headers(client, lot):
    """A client-credentials token of the lot's operator (parking:write)."""
    return helpers.client_token(client, helpers.OPERATOR)


@pytest.fixture
def police_headers(client, db):
    """A client-credentials token of the traffic police (violations:write)."""
    helpers.register_client(helpers.POLICE, "traffic_police")
    return helpers.client_token(client, helpers.POLICE)
