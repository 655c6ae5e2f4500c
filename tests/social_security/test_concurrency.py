"""Two pushes of the same records at the same moment (PostgreSQL): each record is held once, current once."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.social_security import services
from app.social_security.models import Insured, Record
from app.social_security.schemas import load_push_items
from tests.social_security import helpers

pytestmark = pytest.mark.postgres


def test_the_same_batch_pushed_twice_at_once_is_held_once(committed):
    number = helpers.national_id()
    rows = [helpers.contribution(f"RACE-{ago}", number, helpers.month(ago)) for ago in range(1, 13)]

    def push(_i):
        items, invalid = load_push_items(rows)
        outcome = services.ingest_records(helpers.bureau_actor(), items, invalid)
        return sorted(outcome.counts.items())

    results = committed.concurrently(4, push)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert committed.count(Record, Record.record_no.like("RACE-%")) == 12
    assert committed.count(Record, Record.record_no.like("RACE-%"), Record.is_current) == 12
    assert committed.run(lambda: db.session.scalar(db.select(db.func.count()).select_from(Insured))) >= 1
    created = sum(dict(r).get("created", 0) for r in results)
    assert created == 12  # the others saw them as unchanged


def test_a_correction_racing_its_original_leaves_one_current_version(committed):
    number = helpers.national_id()
    original = helpers.contribution("RACE-C", number, helpers.month(1), stated=helpers.as_of(48))
    fixed = helpers.contribution("RACE-C", number, helpers.month(1), base=900_000, stated=helpers.as_of(1))

    def push(i):
        items, invalid = load_push_items([original if i % 2 else fixed])
        return services.ingest_records(helpers.bureau_actor(), items, invalid).counts

    results = committed.concurrently(4, push)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert committed.count(Record, Record.record_no == "RACE-C", Record.is_current) == 1
    current = committed.run(
        lambda: db.session.scalar(
            db.select(Record.base_fen).where(Record.record_no == "RACE-C", Record.is_current)
        )
    )
    assert current == 900_000  # the later as_of wins whatever the order
