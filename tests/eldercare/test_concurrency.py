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


def test_visits_ending_at_once_never_take_more_than_the_voucher_holds(committed):
    from app.core.geo import Point
    from app.core.money import Money
    from app.eldercare.models import CareVisit, CareVoucher
    from tests.transit.helpers import code_for

    elder = committed.person("并发老人")
    worker = committed.person("并发社工")
    provider = Actor(
        kind=ActorKind.CLIENT,
        client_id="race-care",
        scopes=frozenset({"eldercare:visits", "citycode:verify"}),
    )

    def setup():
        identity.grant_role(Actor.system(), identity.get_person(worker.id), Role.COMMUNITY_WORKER)
        identity.verify_real_name(helpers.person_actor(elder), "并发老人", helpers.national_id())
        services.save_profile(
            helpers.person_actor(elder), living_situation="alone", care_level="assisted", conditions=[],
            emergency_contacts=[], checkin_by=None, worker_phone=worker.phone,
        )  # fmt: skip
        as_worker = Actor(
            kind=ActorKind.PERSON, person_id=worker.id, roles=frozenset({Role.COMMUNITY_WORKER})
        )
        services.top_up_voucher(as_worker, elder.id, Money(5000))
        return [
            services.start_visit(
                provider, visit_ref=f"race-{i}", service="cleaning", caregiver="护工",
                code=code_for(elder), location=Point(26.5, 106.6),
            ).id
            for i in range(2)
        ]  # fmt: skip

    if committed.run(lambda: clients.client_by_id("race-care")) is None:
        committed.run(lambda: clients.register_client("care_provider", "并发养老", client_id="race-care"))
    visits = committed.run(setup)

    def end(i):
        return services.end_visit(provider, visits[i % 2], code=code_for(elder), location=Point(26.5, 106.6))

    def subsidy(i):
        return end(i).subsidy_fen

    results = committed.concurrently(4, subsidy)
    paid = sorted(r for r in results if isinstance(r, int))
    assert paid == [1000, 4000], results  # the second visit gets what was left; each visit paid once
    balance = committed.run(lambda: db.session.get(CareVoucher, elder.id).balance_fen)
    assert balance == 0
    assert committed.count(CareVisit, CareVisit.person_id == elder.id, CareVisit.subsidy_fen > 0) == 2
