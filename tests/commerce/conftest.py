"""Fixtures of the commerce tests: a merchant owner with a verified shop and a listing with stock, and an
elder whose grandson orders for her."""

from __future__ import annotations

import pytest

from app.core.clock import frozen
from tests.commerce import helpers
from tests.eldercare import helpers as care


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


@pytest.fixture
def circle(db, make_person):
    """李奶奶 (78), her grandson under a commerce mandate, her community worker (who tops up her voucher)."""
    elder = care.verified(make_person)
    guardian, worker = make_person(name="李小明"), care.worker(make_person)
    care.guard(elder, guardian, scopes=("commerce", "eldercare"))
    care.profile(elder, worker=worker)
    db.session.commit()
    return {"elder": elder, "guardian": guardian, "worker": worker}
