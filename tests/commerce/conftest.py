"""Fixtures of the commerce tests: a merchant owner with a verified shop and a listing with stock."""

from __future__ import annotations

import pytest

from app.core.clock import frozen
from tests.commerce import helpers


@pytest.fixture(autouse=True)
def noon():
    """Commerce tests run at noon on a Wednesday (the shop is open, notices are not held)."""
    with frozen(helpers.NOON):
        yield


@pytest.fixture
def owner(make_person):
    """The owner of the shop."""
    return make_person(name="店主")


@pytest.fixture
def shop(owner):
    """A verified shop at the centre."""
    return helpers.verified_merchant(owner)


@pytest.fixture
def water(shop, owner):
    """Bottled water at 5 yuan, ten in stock."""
    return helpers.listing(shop, owner)
