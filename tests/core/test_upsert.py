"""Upserts compiled once: a cache key that tells their shapes apart and never freezes a value."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.engine.default import CACHE_HIT

from app.core.models import upsert_insert
from app.home.models import ServicePopularity

TABLE = ServicePopularity.__table__


def _key(statement):
    return statement._generate_cache_key()


def _set_visits(db, code, value):
    db.session.execute(
        upsert_insert(ServicePopularity)
        .values(service_code=code, visits=value)
        .on_conflict_do_update(index_elements=["service_code"], set_={"visits": value})
    )
    return db.session.scalar(
        db.select(ServicePopularity.visits).where(ServicePopularity.service_code == code)
    )


def test_an_upsert_has_a_cache_key_that_keeps_its_shape_and_leaves_out_its_values(db):
    def nothing(code, **target):
        return upsert_insert(TABLE).values(service_code=code, visits=1).on_conflict_do_nothing(**target)

    assert _key(nothing("a", index_elements=["service_code"])) is not None
    assert _key(nothing("a", index_elements=["service_code"])) == _key(
        nothing("b", index_elements=["service_code"])
    )
    assert _key(nothing("a", index_elements=["service_code"])) != _key(nothing("a"))
    assert _key(nothing("a", index_elements=[TABLE.c.service_code])) == _key(
        nothing("a", index_elements=["service_code"])
    )

    def update(set_, where=None):
        return (
            upsert_insert(TABLE)
            .values(service_code="a", visits=1)
            .on_conflict_do_update(index_elements=["service_code"], set_=set_, where=where)
        )

    assert _key(update({"visits": 5})) == _key(update({"visits": 7}))
    assert _key(update({"visits": 5})) != _key(update({"visits": TABLE.c.visits + 1}))
    assert _key(update({"visits": 5})) != _key(update({"visits": 5}, where=TABLE.c.visits < 3))
    assert [p.value for p in _key(update({"visits": 7})).bindparams][-1] == 7


def test_a_cached_upsert_takes_each_executions_values(db):
    assert _set_visits(db, "upsert-test", 5) == 5
    assert _set_visits(db, "upsert-test", 7) == 7  # the second run hits the cache: the new value is sent
    db.session.execute(
        upsert_insert(ServicePopularity)
        .values(service_code="upsert-test", visits=0)
        .on_conflict_do_update(index_elements=["service_code"], set_={"visits": TABLE.c.visits + 3})
    )
    assert db.session.get(ServicePopularity, "upsert-test", populate_existing=True).visits == 10


def test_an_upsert_is_compiled_once_for_all_its_executions(db):
    hits = []

    def note(_conn, _cursor, statement, _parameters, context, _executemany):
        if statement.lstrip().upper().startswith("INSERT"):
            hits.append(context.cache_hit)

    engine = db.session.get_bind().engine
    event.listen(engine, "after_cursor_execute", note)
    try:
        for n in range(3):
            db.session.execute(
                upsert_insert(ServicePopularity)
                .values(service_code=f"upsert-{n}", visits=n)
                .on_conflict_do_nothing(index_elements=["service_code"])
            )
    finally:
        event.remove(engine, "after_cursor_execute", note)
    assert hits[1:] == [CACHE_HIT, CACHE_HIT]


def test_a_second_on_conflict_clause_is_refused(db):
    statement = upsert_insert(TABLE).values(service_code="a").on_conflict_do_nothing()
    with pytest.raises(Exception, match="already has an ON CONFLICT clause"):
        statement.on_conflict_do_nothing()


def test_an_expression_as_conflict_target_is_refused_not_cached_loosely(db):
    with pytest.raises(TypeError, match="names columns"):
        upsert_insert(TABLE).values(service_code="a").on_conflict_do_nothing(
            index_elements=[TABLE.c.service_code + "x"]
        )
