"""Racing on PostgreSQL: four people answer one alert at once (one is kept), a device retries at once."""

from __future__ import annotations

import pytest

from app.core.actors import Actor, ActorKind, Role
from app.eldercare import services
from app.eldercare.errors import AlreadyAcknowledged
from app.eldercare.models import Alert, AlertEvent, DeviceEvent
from app.extensions import db
from app.identity import clients
from app.identity import services as identity
from tests.eldercare import helpers

pytestmark = pytest.mark.postgres


def _elder(committed):
    elder = committed.person("并发老人")

    def setup():
        identity.verify_real_name(helpers.person_actor(elder), "并发老人", helpers.national_id())
        helpers.profile(elder)

    committed.run(setup)
    return elder


def _workers(committed, count: int) -> list[Actor]:
    actors = []
    for i in range(count):
        person = committed.person(f"社工{i}")
        committed.run(
            lambda p=person: identity.grant_role(
                Actor.system(), identity.get_person(p.id), Role.COMMUNITY_WORKER
            )
        )
        actors.append(
            Actor(kind=ActorKind.PERSON, person_id=person.id, roles=frozenset({Role.COMMUNITY_WORKER}))
        )
    return actors


def test_four_answers_at_once_keep_exactly_one(committed):
    elder = _elder(committed)
    workers = _workers(committed, 4)
    alert_id = committed.run(lambda: services.raise_sos(helpers.person_actor(elder)).id)

    results = committed.concurrently(
        4, lambda i: services.acknowledge(workers[i], alert_id, eta_minutes=5 + i).id
    )
    answered = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(answered) == 1 and len(refused) == 3, results
    assert all(isinstance(r, AlreadyAcknowledged) for r in refused), refused
    held = committed.run(
        lambda: (lambda a: (a.status, a.acknowledged_by_id))(db.session.get(Alert, alert_id))
    )
    winner = workers[[i for i, r in enumerate(results) if not isinstance(r, Exception)][0]]
    assert held == ("acknowledged", winner.person_id)
    acks = committed.count(AlertEvent, AlertEvent.alert_id == alert_id, AlertEvent.kind == "acknowledged")
    assert acks == 1


def test_a_device_retrying_at_once_raises_one_alert(committed):
    elder = _elder(committed)

    def register():
        clients.register_client("care_device", "并发平台", client_id="race-platform", secret="s")
        services.register_device(helpers.person_actor(elder), serial="RACE-1", platform="race-platform")

    committed.run(register)
    platform = Actor(kind=ActorKind.CLIENT, client_id="race-platform", scopes=frozenset({"eldercare:alarm"}))

    def press(_i):
        return services.device_event(
            platform, serial="RACE-1", event_id="evt-race", kind="sos", occurred_at=None
        ).id

    results = committed.concurrently(4, press)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    assert committed.count(Alert, Alert.person_id == elder.id) == 1
    assert committed.count(DeviceEvent, DeviceEvent.event_id == "evt-race") == 1


def test_presses_at_once_join_one_call(committed):
    elder = _elder(committed)
    results = committed.concurrently(3, lambda _i: services.raise_sos(helpers.person_actor(elder)).id)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    assert committed.count(Alert, Alert.person_id == elder.id) == 1
