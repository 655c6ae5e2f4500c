"""Fixtures of the bills tests: a sandbox biller with its client's token, and a bound account."""

from __future__ import annotations

import pytest

from tests.bills import helpers


@pytest.fixture
def water(db):
    """A sandbox water biller: confirms by rule, supports fetching, takes app payments and autopay."""
    return helpers.make_biller()


@pytest.fixture
def biller_headers(client, water):
    """A client-credentials token of the water biller's client (bills:write)."""
    return helpers.client_token(client, water.client_id)


@pytest.fixture
def account(resident, water):
    """The resident's confirmed water account."""
    return helpers.bind(resident, water)
