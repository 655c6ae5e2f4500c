"""Upserts compiled once (a cache key that tells shapes apart, never freezes a value), and add_new."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.engine.default import CACHE_HIT

from app.city.models import District, Street
from app.core.models import add_new, upsert_insert
from app.home.models import ServicePopularity
from tests.statements import Statements

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


def _district(db, code="520199"):
    district = District(code=code, name_zh_hans="测试区", name_zh_hant="測試區", name_en="Test")
    db.session.add(district)
    db.session.flush()
    return district


def test_add_new_inserts_an_entity_as_a_flush_would_and_keeps_it_in_the_session(db):
    district = _district(db)
    street = Street(
        code="520199001", district=district, name_zh_hans="测试街道", name_zh_hant="街", name_en="S"
    )
    with Statements() as seen:
        assert add_new(street) is True
    assert seen.count == 1 and "ON CONFLICT DO NOTHING" in seen.seen[0]
    assert street.id is not None and street.created_at is not None  # the column defaults, as stored
    assert street.district_id == district.id and street in db.session
    street.center_lat = 26.5
    db.session.flush()  # an ordinary entity of the session now: a change is an UPDATE
    db.session.expire_all()
    assert db.session.get(Street, street.id).center_lat == 26.5


def test_add_new_of_a_repeated_key_inserts_nothing_and_the_transaction_goes_on(db):
    district = _district(db)
    first = Street(
        code="520199002", district_id=district.id, name_zh_hans="一", name_zh_hant="街", name_en="S"
    )
    second = Street(
        code="520199002", district_id=district.id, name_zh_hans="二", name_zh_hant="街", name_en="S"
    )
    assert add_new(first) is True
    assert add_new(second) is False  # no savepoint, and the transaction is still usable (PostgreSQL)
    assert second not in db.session and second.id is None
    names = db.session.scalars(db.select(Street.name_zh_hans).where(Street.code == "520199002")).all()
    assert names == ["一"]


def test_add_new_refuses_an_entity_the_session_knows_and_a_relation_without_its_key(db):
    district = _district(db)
    known = Street(
        code="520199003", district_id=district.id, name_zh_hans="三", name_zh_hant="街", name_en="S"
    )
    db.session.add(known)
    with pytest.raises(ValueError, match="new entity"):
        add_new(known)
    with_children = District(code="520196", name_zh_hans="六", name_zh_hant="六", name_en="Six")
    assert with_children.streets == [] and add_new(with_children)  # an empty collection is no obstacle
    with_children = District(code="520195", name_zh_hans="七", name_zh_hant="七", name_en="Seven")
    with_children.streets.append(Street(code="520199007", name_zh_hans="七", name_zh_hant="街", name_en="S"))
    with pytest.raises(TypeError, match="many-to-one relationships only"):
        add_new(with_children)
    unsaved = District(code="520198", name_zh_hans="未存", name_zh_hant="未存", name_en="Unsaved")
    with pytest.raises(ValueError, match="without its key"):
        add_new(Street(code="520199004", district=unsaved, name_zh_hans="四", name_zh_hant="街", name_en="S"))
