"""What the parking tests share: a lot, its operator and the police as clients, gate events, fines."""

from __future__ import annotations

import base64
import itertools
from datetime import datetime, timedelta

from app.core.actors import Actor, ActorKind
from app.core.geo import Point
from app.core.money import Money
from app.identity import clients
from app.parking import services
from app.parking.models import ParkingLot

OPERATOR = "test-parking-operator"
OTHER_OPERATOR = "other-parking-operator"
POLICE = "test-traffic-police"
_events = itertools.count(1)
_references = itertools.count(1)

# Day 2 yuan per half hour (first hour 5 yuan), night 0.5 yuan per half hour up to 5 yuan, 30 yuan a day.
TARIFF = {
    "unit_minutes": 30,
    "free_minutes": 15,
    "first_hour_fen": 500,
    "periods": [
        {"start": "07:00", "end": "22:00", "unit_fen": 200},
        {"start": "22:00", "end": "07:00", "unit_fen": 50, "cap_fen": 500},
    ],
    "daily_cap_fen": 3000,
    "new_energy_discount_pct": 50,
}


def register_client(client_id: str, kind: str = "parking_operator") -> None:
    """An institution's client (once), secret ``<client_id>-secret``."""
    if clients.client_by_id(client_id) is None:
        clients.register_client(kind, client_id, client_id=client_id, secret=f"{client_id}-secret")


def make_lot(
    code: str = "test-lot",
    operator: str = OPERATOR,
    *,
    capacity: int = 100,
    point=(26.5560, 106.6905),
    **extra,
) -> ParkingLot:
    """A lot of ``operator`` in Guiyang with the test tariff."""
    register_client(operator)
    fields = {
        "names": {"zh_Hans": f"{code}停车场", "zh_Hant": f"{code}停車場", "en": f"{code} car park"},
        "operator_client_id": operator,
        "capacity": capacity,
        "point": Point(*point),
        "tariff": TARIFF,
    }
    fields.update(extra)
    return services.save_lot(Actor.system(), code, fields)


def client_token(client, client_id: str) -> dict:
    """Headers with a client-credentials token of ``client_id``."""
    basic = base64.b64encode(f"{client_id}:{client_id}-secret".encode()).decode()
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def operator_actor(client_id: str = OPERATOR) -> Actor:
    """The operator's machine client."""
    return Actor(kind=ActorKind.CLIENT, client_id=client_id, scopes=frozenset({services.WRITE_SCOPE}))


def police_actor(client_id: str = POLICE) -> Actor:
    """The traffic police's machine client."""
    return Actor(kind=ActorKind.CLIENT, client_id=client_id, scopes=frozenset({services.POLICE_SCOPE}))


def person_actor(person) -> Actor:
    """The actor a resident's own token gives."""
    return Actor(kind=ActorKind.PERSON, person_id=person.id)


def bind(person, number: str = "贵A12345", frictionless: bool = False):
    """The resident binds a plate (the sandbox registry confirms it)."""
    return services.bind_plate(person_actor(person), number, "李小明", frictionless)


def gate(
    lot, direction: str, plate: str, at: datetime, *, event_id: str | None = None, operator: str = OPERATOR
):
    """An entry or exit at the lot, as the operator's gate reports it."""
    return services.record_gate_event(
        operator_actor(operator),
        lot.code,
        event_id or f"ev-{next(_events)}",
        direction,
        plate,
        "G1",
        at,
    )


def stay(lot, plate: str, entered: datetime, minutes: int):
    """Drive in and out; the exit event's answer."""
    gate(lot, "entry", plate, entered)
    return gate(lot, "exit", plate, entered + timedelta(minutes=minutes))


def file(plate: str = "贵A12345", fine_fen: int = 20_000, points: int = 6, reference: str | None = None):
    """The police file a violation against ``plate``."""
    register_client(POLICE, "traffic_police")
    violation, _ = services.file_violation(
        police_actor(),
        reference or f"VIO-{next(_references)}",
        plate,
        datetime(2026, 11, 20, 9, 30).astimezone(),
        "南明区遵义路",
        "1625",
        "驾驶机动车违反道路交通信号灯通行",
        Money(fine_fen),
        points,
    )
    return violation
