"""The audit log: every staff, proxy or machine touch of a resident's data, readable by that resident."""

from __future__ import annotations

import pytest

from app.core.actors import Actor, ActorKind, Role
from app.core.audit import AuditAction, entries_about, record
from app.core.errors import NotFound
from app.core.models import AuditEntry
from app.identity import services


def as_actor(person, kind=ActorKind.PERSON, **extra) -> Actor:
    return Actor(kind=kind, person_id=person.id, roles=frozenset(g.role for g in person.roles), **extra)


def _count(db) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))


def test_residents_reading_their_own_data_leave_no_trace(db, resident):
    before = _count(db)
    assert record(as_actor(resident), resident.id, AuditAction.READ, "person") is None
    db.session.flush()
    assert _count(db) == before


def test_staff_read_is_recorded(db, resident, make_person):
    agent = make_person(Role.HOTLINE_AGENT)
    entry = record(
        as_actor(agent), resident.id, AuditAction.READ, "person", reason="caller asked about a bill"
    )
    db.session.flush()
    stored = db.session.get(AuditEntry, entry.id)
    assert stored.actor_kind == "person"
    assert stored.actor_person_id == agent.id
    assert stored.subject_person_id == resident.id
    assert (stored.action, stored.resource, stored.reason) == ("read", "person", "caller asked about a bill")
    assert stored.created_at.tzinfo is not None


def test_proxy_is_recorded_even_when_acting_for_the_subject(db, resident, make_person):
    guardian = make_person()
    proxy = Actor(kind=ActorKind.PROXY, person_id=guardian.id, principal_id=resident.id)
    entry = record(proxy, resident.id, AuditAction.CHANGE, "appointment")
    assert entry is not None
    assert entry.actor_kind == "proxy"
    assert (entry.actor_person_id, entry.on_behalf_of_id) == (guardian.id, resident.id)


def test_machine_client_is_recorded_with_its_client_id(db, resident):
    scanner = Actor(kind=ActorKind.CLIENT, client_id="hospital-gate-3", scopes=frozenset({"citycode:verify"}))
    entry = record(scanner, resident.id, AuditAction.SCAN, "citycode", reason="hospital entry")
    assert entry.client_id == "hospital-gate-3"
    assert entry.actor_kind == "client" and entry.actor_person_id is None


def test_one_act_is_one_entry(db, resident, make_person):
    agent = as_actor(make_person(Role.HOTLINE_AGENT))
    first = record(agent, resident.id, AuditAction.READ, "bill", "b-1")
    again = record(agent, resident.id, AuditAction.READ, "bill", "b-1")
    other = record(agent, resident.id, AuditAction.READ, "bill", "b-2")
    assert first is not None and again is None and other is not None


def test_an_action_outside_the_vocabulary_is_refused(db, resident, make_person):
    with pytest.raises(ValueError):
        record(as_actor(make_person(Role.HOTLINE_AGENT)), resident.id, "peek", "bill")


def test_long_reasons_are_cut_to_fit(db, resident):
    entry = record(Actor.system(), resident.id, AuditAction.READ, "person", reason="理" * 300)
    db.session.flush()
    assert len(entry.reason) == 255


def test_the_subject_reads_their_access_log_and_no_one_else_does(
    client, db, auth, resident, other_resident, make_person
):
    agent = make_person(Role.HOTLINE_AGENT)
    record(as_actor(agent), resident.id, AuditAction.READ, "person", reason="caller asked about a bill")
    biller = Actor(kind=ActorKind.CLIENT, client_id="water-biller")
    record(biller, resident.id, AuditAction.READ, "bill", reason="autopay")
    record(as_actor(resident), resident.id, AuditAction.READ, "person")  # self: not logged
    db.session.commit()

    mine = client.get("/api/v1/me/access-log", headers=auth(resident))
    assert mine.status_code == 200
    items = mine.get_json()["items"]
    assert [(i["actor_kind"], i["client_id"], i["resource"], i["reason"]) for i in items] == [
        ("client", "water-biller", "bill", "autopay"),
        ("person", None, "person", "caller asked about a bill"),
    ]

    theirs = client.get("/api/v1/me/access-log", headers=auth(other_resident))
    assert theirs.get_json()["items"] == []
    agents_own = client.get("/api/v1/me/access-log", headers=auth(agent))
    assert agents_own.get_json()["items"] == []


def test_a_proxy_cannot_read_the_principals_access_log(db, resident, make_person):
    proxy = Actor(kind=ActorKind.PROXY, person_id=make_person().id, principal_id=resident.id)
    with pytest.raises(NotFound):
        services.access_log(proxy, cursor=None, limit=10)


def test_entries_about_one_person_only(db, resident, other_resident):
    record(Actor.system(), resident.id, AuditAction.READ, "person")
    record(Actor.system(), other_resident.id, AuditAction.READ, "person")
    db.session.flush()
    page = entries_about(resident.id, cursor=None, limit=10)
    assert [entry.subject_person_id for entry in page.items] == [resident.id]
