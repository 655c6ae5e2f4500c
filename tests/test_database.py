"""The database behaves the same on the embedded default (SQLite) as on PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.city.models import District
from app.city.services import upsert_district

PROBE = "999901"


def _probe_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(District).where(District.code == PROBE))


@pytest.mark.parametrize("run", [1, 2])
def test_what_a_test_commits_is_gone_in_the_next_test(db, run):
    assert _probe_count(db) == 0, "data committed by an earlier test leaked into this one"
    upsert_district(PROBE, {"zh_Hans": "测试区", "en": "Probe District"})
    db.session.commit()
    assert _probe_count(db) == 1


def test_a_rolled_back_savepoint_undoes_only_its_own_work(db):
    upsert_district(PROBE, {"zh_Hans": "测试区", "en": "Probe District"})
    db.session.flush()
    with db.session.begin_nested() as nested:
        upsert_district("999902", {"zh_Hans": "另一区", "en": "Other District"})
        db.session.flush()
        nested.rollback()
    assert _probe_count(db) == 1
    assert db.session.scalar(sa.select(District).where(District.code == "999902")) is None
