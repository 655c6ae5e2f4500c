"""Fixtures of the appointment tests: the clock held on a Monday morning, a hospital's token."""

from __future__ import annotations

import pytest

from app.core import clock
from tests.appointments import helpers


@pytest.fixture
def monday():
    """The clock held at Monday 2026-12-07 10:00 in Guiyang (booking for Thursday is open)."""
    with clock.frozen(helpers.MONDAY):
        yield helpers.MONDAY


@pytest.fixture
def hospital(client, db, monday):
    """Headers of a hospital's client (appointments:write, citycode:verify, citycode:identity)."""
    return helpers.hospital_headers(client)
