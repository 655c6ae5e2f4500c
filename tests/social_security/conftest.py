"""Fixtures of the social-security tests: a verified resident and the two institutions' tokens."""

from __future__ import annotations

import pytest

from tests.social_security import helpers


@pytest.fixture
def insured(make_person):
    """A resident who verified their real name: (person, national ID)."""
    return helpers.verified(make_person)


@pytest.fixture
def bureau(client, db):
    """Headers of the social-security bureau's client (social_security:write)."""
    return helpers.institution(client)


@pytest.fixture
def fund(client, db):
    """Headers of the housing-fund centre's client (housing_fund:write)."""
    return helpers.institution(client, "housing_fund", helpers.FUND)
