"""A visitor pass scanned at two gates at once (PostgreSQL): its entries are never exceeded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.access import services
from app.core import clock
from app.core.actors import Actor, ActorKind
from app.extensions import db
from tests.access import helpers

pytestmark = pytest.mark.postgres


def test_a_one_entry_pass_at_four_gates_at_once_admits_one(committed):
    resident = committed.person("并发住户")

    def setup():
        home, _ = helpers.places()
        worker = Actor(kind=ActorKind.PERSON, person_id=resident.id, roles=frozenset({"community_worker"}))
        services.register_resident(worker, home.id, resident.phone, "")
        owner = Actor(kind=ActorKind.PERSON, person_id=resident.id)
        return services.issue_pass(
            owner, home.id, "并发访客", clock.utcnow() + timedelta(hours=1), 1
        ).pass_code

    code = committed.run(setup)
    scanner = Actor(kind=ActorKind.CLIENT, client_id=helpers.GATES, scopes=frozenset({"citycode:verify"}))

    def scan(i):
        return services.scan_at_gate(scanner, ("JYHY-N", "JYHY-S")[i % 2], code, "in").admitted

    results = committed.concurrently(4, scan)
    assert sorted(results) == [False, False, False, True], results
    used = committed.run(
        lambda: db.session.scalar(db.select(services.VisitorPass.entries_used).where(
            services.VisitorPass.person_id == resident.id))
    )  # fmt: skip
    assert used == 1


def test_one_scan_retried_four_times_at_once_is_one_entry_with_one_answer(committed):
    resident = committed.person("并发住户")

    def setup():
        home, _ = helpers.places()
        worker = Actor(kind=ActorKind.PERSON, person_id=resident.id, roles=frozenset({"community_worker"}))
        services.register_resident(worker, home.id, resident.phone, "")
        owner = Actor(kind=ActorKind.PERSON, person_id=resident.id)
        return services.issue_pass(
            owner, home.id, "并发访客", clock.utcnow() + timedelta(hours=1), 3
        ).pass_code

    code = committed.run(setup)
    scanner = Actor(kind=ActorKind.CLIENT, client_id=helpers.GATES, scopes=frozenset({"citycode:verify"}))

    def scan(_i):
        result = services.scan_at_gate(scanner, "JYHY-N", code, "in", scan_id="JYHY-N:retry-1")
        return (result.admitted, result.entries_left)

    results = committed.concurrently(4, scan)
    assert results == [(True, 2)] * 4, results
    used = committed.run(
        lambda: db.session.scalar(db.select(services.VisitorPass.entries_used).where(
            services.VisitorPass.person_id == resident.id))
    )  # fmt: skip
    assert used == 1
    assert committed.count(services.AccessEvent, services.AccessEvent.scan_id == "JYHY-N:retry-1") == 1
