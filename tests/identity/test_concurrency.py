"""Limits that must hold across processes, tried with real concurrent connections and committed data."""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager

import pytest

from app import create_app
from app.core.actors import Actor, ActorKind
from app.core.errors import RateLimited
from app.core.models import AuditEntry
from app.core.sms import SandboxSms
from app.extensions import db
from app.identity import citycode, otp
from app.identity.models import CityCodeScan, CityCodeSeen, OtpChallenge, OtpThrottle, Person
from config import TestConfig
from tests.conftest import REDIS_URL

SCANNER = Actor(kind=ActorKind.CLIENT, client_id="concurrency-gate", scopes=frozenset({"citycode:verify"}))


@contextmanager
def _side_app(app, redis_url):
    """An app on the test database whose sessions are real, separate connections."""
    side = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_url
    )
    try:
        yield side
    finally:
        with side.app_context():
            db.engine.dispose()


def _run_together(app, work, count=2):
    """Run ``work()`` in ``count`` threads at once, each in its own app context; return results."""
    barrier = threading.Barrier(count)
    results: list = []

    def runner():
        with app.app_context():
            barrier.wait()
            try:
                result = work()
                db.session.commit()
                results.append(result)
            except Exception as exc:  # noqa: BLE001 - the outcome is what the test counts
                db.session.rollback()
                results.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def committed_code(app):
    """A resident and a fresh code, committed; everything removed afterwards."""
    phone = f"+86137{uuid.uuid4().int % 10**8:08d}"
    with app.app_context():
        person = Person(phone=phone, display_name="并发")
        db.session.add(person)
        db.session.commit()
        issued = citycode.issue_code(person)
        db.session.commit()
        person_id = person.id
    yield issued.code
    with app.app_context():
        jti = citycode._verified_claims(issued.code)[0]["jti"]
        db.session.execute(db.delete(CityCodeScan).where(CityCodeScan.person_id == person_id))
        db.session.execute(db.delete(CityCodeSeen).where(CityCodeSeen.jti == jti))
        db.session.execute(db.delete(AuditEntry).where(AuditEntry.subject_person_id == person_id))
        db.session.execute(db.delete(Person).where(Person.id == person_id))
        db.session.commit()


def _verify_twice_at_once(app, code):
    outcomes = _run_together(app, lambda: citycode.verify_code(SCANNER, code, "transit"))
    assert len(outcomes) == 2 and not [o for o in outcomes if isinstance(o, Exception)], outcomes
    return sorted((o.valid, o.reason) for o in outcomes)


@pytest.mark.postgres
def test_two_simultaneous_verifications_on_postgresql_accept_exactly_one(app, committed_code):
    with _side_app(app, redis_url=None) as side:  # the database path: a unique jti row
        assert _verify_twice_at_once(side, committed_code) == [(False, "replayed"), (True, None)]


@pytest.mark.redis
@pytest.mark.postgres  # SQLite cannot take two writers at once, whatever Redis does
def test_two_simultaneous_verifications_with_redis_accept_exactly_one(app, committed_code):
    with _side_app(app, redis_url=REDIS_URL) as side:  # the Redis path: SET NX with expiry
        assert _verify_twice_at_once(side, committed_code) == [(False, "replayed"), (True, None)]


@pytest.mark.postgres
def test_two_simultaneous_code_requests_for_one_phone_send_exactly_one(app):
    phone = f"+86136{uuid.uuid4().int % 10**8:08d}"
    with _side_app(app, redis_url=None) as side:
        try:
            outcomes = _run_together(side, lambda: otp.send_code(phone).id)
            assert sorted(type(o).__name__ for o in outcomes) == ["RateLimited", "UUID"], outcomes
            assert next(o for o in outcomes if isinstance(o, RateLimited)).headers["Retry-After"]
        finally:
            with side.app_context():
                for model in (OtpChallenge, SandboxSms, OtpThrottle):
                    db.session.execute(db.delete(model).where(model.phone == phone))
                db.session.commit()
