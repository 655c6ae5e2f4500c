"""What the appointment tests share: a hospital's client, a published plan, verified residents."""

from __future__ import annotations

import base64
import itertools
import uuid
from datetime import date, datetime, timedelta  # noqa: F401 - tests use it from here

from stdnum.cn import ric

from app.appointments import services
from app.core.actors import Actor, ActorKind
from app.core.calendar import SHANGHAI  # noqa: F401 - tests use it from here
from app.core.geo import Point
from app.identity import clients
from app.identity import services as identity

HOSPITAL = "test-hospital"
OTHER_HOSPITAL = "test-other-hospital"
# A Monday at 10:00 in Guiyang; the plans below are for the Thursday after.
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
THURSDAY = date(2026, 12, 10)
_serial = itertools.count(1)


def at(day: date, hh_mm: str) -> datetime:
    """An aware moment in Guiyang."""
    hours, minutes = map(int, hh_mm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=SHANGHAI)


def national_id() -> str:
    """A fresh, valid national ID number."""
    while True:
        n = next(_serial) + 400
        base = f"520103{1960 + n % 40}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        number = base + ric.calc_check_digit(base + "0")
        if ric.is_valid(number):
            return number


def verified(make_person, name: str = "王小二"):
    """A resident who verified their real name."""
    person = make_person(name=name)
    identity.verify_real_name(Actor(kind=ActorKind.PERSON, person_id=person.id), name, national_id())
    return person


def as_person(person) -> Actor:
    """The actor of a resident acting for themself."""
    return Actor(kind=ActorKind.PERSON, person_id=person.id)


def hospital_actor(client_id: str = HOSPITAL) -> Actor:
    """The hospital's client as a service actor."""
    return Actor(
        kind=ActorKind.CLIENT,
        client_id=client_id,
        scopes=frozenset({"appointments:write", "citycode:verify", "citycode:identity"}),
    )


def hospital_headers(client, client_id: str = HOSPITAL) -> dict:
    """Headers with a client-credentials token of a hospital."""
    if clients.client_by_id(client_id) is None:
        clients.register_client("hospital", client_id, client_id=client_id, secret=f"{client_id}-secret")
    basic = base64.b64encode(f"{client_id}:{client_id}-secret".encode()).decode()
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def publish(
    *,
    seats: int = 1,
    day: date = THURSDAY,
    rules: dict | None = None,
    client_id: str = HOSPITAL,
    day_start: str = "08:00",
    day_end: str = "09:00",
    slot_minutes: int = 30,
):
    """A hospital with one clinic and a plan for ``day``; returns (provider, service, schedule, slots)."""
    actor = hospital_actor(client_id)
    provider = services.create_provider(
        actor,
        kind="hospital",
        names={"zh_Hans": f"测试医院{uuid.uuid4().hex[:6]}"},
        address="南明区",
        location=Point(26.57, 106.71),
        rules=rules,
    )
    service = services.add_service(actor, provider.id, names={"zh_Hans": "内科"}, department="内科")
    schedule, _ = services.publish_schedule(
        actor,
        service.id,
        weekdays=list(range(7)),
        day_start=day_start,
        day_end=day_end,
        slot_minutes=slot_minutes,
        seats=seats,
        valid_from=day,
        valid_until=day,
    )
    slots = services.day_slots(day=day, service_id=service.id, provider_id=None, available=False)
    return provider, service, schedule, slots


def extend(service, day: date, *, seats: int = 1, day_start: str = "08:00", day_end: str = "08:30"):
    """Another plan of ``service`` for ``day``; that day's slots."""
    services.publish_schedule(
        hospital_actor(service.provider.client_id),
        service.id,
        weekdays=list(range(7)),
        day_start=day_start,
        day_end=day_end,
        slot_minutes=30,
        seats=seats,
        valid_from=day,
        valid_until=day,
    )
    return services.day_slots(day=day, service_id=service.id, provider_id=None, available=True)
