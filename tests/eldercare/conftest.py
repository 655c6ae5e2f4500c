"""Fixtures of the elder-care tests: an elder with a profile, a guardian, a worker, a neighbour."""

from __future__ import annotations

import pytest

from app.core import clock
from tests.eldercare import helpers


@pytest.fixture
def daytime():
    """The clock held at a weekday morning in Shanghai (so normal notices are not held)."""
    with clock.frozen(helpers.DAYTIME):
        yield helpers.DAYTIME


@pytest.fixture
def family(db, make_person, daytime):
    """李奶奶 (78) with a guardian (her grandson), a worker, a neighbour with an account and one without."""
    elder = helpers.verified(make_person)
    guardian = make_person(name="李小明")
    helpers.guard(elder, guardian)
    worker = helpers.worker(make_person)
    neighbour = make_person(name="张大爷")
    helpers.profile(
        elder, contacts=[("张大爷", neighbour.phone), ("王阿姨", "+8613900000031")], worker=worker
    )
    db.session.commit()
    return {"elder": elder, "guardian": guardian, "worker": worker, "neighbour": neighbour}
