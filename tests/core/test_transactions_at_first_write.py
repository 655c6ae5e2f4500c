"""On PostgreSQL a request's transaction begins at its first write, and an idle pooled connection is pinged.

Both save round trips every request pays (``BEGIN``, ``COMMIT``, the pool's ping); these tests hold
what each keeps: a read's statements run outside a transaction, a write and everything after it run
in one that commits or rolls back as a whole, a locking read or an advisory lock opens it, and a dead
idle connection is replaced before a request gets it.
"""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.core import uow
from app.core.models import AuditEntry
from app.extensions import db, ping_when_idle
from app.identity import tokens
from app.identity.models import Person

pytestmark = pytest.mark.postgres


def _autocommit_by_statement(app):
    """Record, for each statement the app's engine runs, whether the driver was in autocommit."""
    seen: list[tuple[str, bool]] = []

    def note(conn, _cursor, statement, *_):
        seen.append((statement.split()[0].upper(), conn.connection.dbapi_connection.autocommit))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    return seen, lambda: event.remove(engine, "before_cursor_execute", note)


def test_a_read_runs_outside_a_transaction_and_a_write_opens_one(committed):
    person = committed.person("读不开事务")
    token = committed.run(
        lambda: tokens.issue_access_token(db.session.get(Person, person.id), client_id="t", scopes=["openid"])
    )
    client = committed.app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    seen, stop = _autocommit_by_statement(committed.app)
    try:
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        read = list(seen)
        seen.clear()
        response = client.patch("/api/v1/me", json={"display_name": "写要事务"}, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        write = list(seen)
    finally:
        stop()
    assert read and all(autocommit for _, autocommit in read), read
    assert write[0] == ("SELECT", True), write  # the token check, before anything is written
    first_write = next(i for i, (verb, _) in enumerate(write) if verb == "UPDATE")
    assert not any(autocommit for _, autocommit in write[first_write:]), write
    assert committed.run(lambda: db.session.get(Person, person.id).display_name) == "写要事务"


def _in_a_request(app, method: str = "POST"):
    context = app.test_request_context("/api/v1/anything", method=method)
    context.push()
    app.preprocess_request()
    return context


def test_everything_from_the_first_write_on_is_one_transaction(committed):
    """A write opens the transaction; a failure after it rolls back the write with what followed."""
    marker = f"unit-{uuid.uuid4().hex[:8]}"
    context = _in_a_request(committed.app)
    try:
        assert db.session.connection().connection.dbapi_connection.autocommit
        db.session.add(AuditEntry(actor_kind="system", action="change", resource=marker, reason=""))
        db.session.flush()
        assert not db.session.connection().connection.dbapi_connection.autocommit
        db.session.add(AuditEntry(actor_kind="system", action="change", resource=marker, reason="2"))
        db.session.flush()
        assert committed.count(AuditEntry, AuditEntry.resource == marker) == 0  # not committed yet
        uow.rollback()
    finally:
        context.pop()
    assert committed.count(AuditEntry, AuditEntry.resource == marker) == 0


@pytest.mark.parametrize(
    "statement",
    ["SELECT 1 FROM people FOR UPDATE", "SELECT pg_advisory_xact_lock(4242)", "SAVEPOINT s1"],
)
def test_a_locking_read_an_advisory_lock_or_a_savepoint_opens_the_transaction(committed, statement):
    context = _in_a_request(committed.app)
    try:
        db.session.execute(sa.text("SELECT 1"))
        assert db.session.connection().connection.dbapi_connection.autocommit
        db.session.execute(sa.text(statement))
        dbapi_connection = db.session.connection().connection.dbapi_connection
        assert not dbapi_connection.autocommit
        assert dbapi_connection.info.transaction_status == 2  # INTRANS: the lock is held until the end
        uow.rollback()
    finally:
        context.pop()


def test_a_read_that_writes_business_state_is_still_rolled_back(committed):
    phone = f"+86135{uuid.uuid4().int % 10**8:08d}"
    context = _in_a_request(committed.app, method="GET")
    try:
        db.session.add(Person(phone=phone, display_name="不该写"))
        db.session.flush()
        with pytest.raises(uow.WriteOnRead, match="people"):
            uow._check_read_only(db.session())
        uow.rollback()
    finally:
        context.pop()
    assert committed.count(Person, Person.phone == phone) == 0


def _end_backends(engine: sa.Engine, pids: list[int]) -> None:
    with engine.connect() as other:
        for pid in pids:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def test_an_idle_connection_that_died_is_replaced_before_use(database_url):
    engine = sa.create_engine(database_url, pool_size=1, max_overflow=0)
    other = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    ping_when_idle(engine, 1)
    try:
        first = _backend_pid(engine)
        _end_backends(other, [first])
        time.sleep(1.2)  # idle past the threshold: pinged, found dead, replaced
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()
        other.dispose()


def test_a_just_used_connection_is_not_pinged_and_a_dead_one_fails_once(database_url):
    engine = sa.create_engine(database_url, pool_size=1, max_overflow=0)
    other = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    ping_when_idle(engine, 3600)
    try:
        first = _backend_pid(engine)
        _end_backends(other, [first])
        # Used a moment ago, so not pinged: the statement meets the dead connection (the cost of
        # the round trip saved), and the pool lets it go ...
        with pytest.raises(sa.exc.OperationalError):
            _backend_pid(engine)
        # ... so the next request gets a live one.
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()
        other.dispose()
