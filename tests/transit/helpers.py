"""What the transit tests share: a scanner operating the demo network, and city codes to tap."""

from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime

from app.core import clock
from app.core.actors import Actor, ActorKind
from app.identity import clients
from app.identity import services as identity
from app.transit import demo

SCANNER = "test-transit-scanner"
TAPS = "/api/v1/transit/taps"
BATCH = "/api/v1/transit/taps/batch"
_serial = itertools.count(1)


def network(client_id: str = SCANNER) -> None:
    """The demo network with its gates operated by ``client_id`` (registered as a scanner)."""
    if clients.client_by_id(client_id) is None:
        clients.register_client("scanner", client_id, client_id=client_id, secret=f"{client_id}-secret")
    demo.seed_network(client_id)


def scanner_headers(client, client_id: str = SCANNER) -> dict:
    """Headers with the scanner's client-credentials token."""
    basic = base64.b64encode(f"{client_id}:{client_id}-secret".encode()).decode()
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def scanner_actor(client_id: str = SCANNER) -> Actor:
    """The scanner's client as an actor (for services called directly)."""
    return Actor(kind=ActorKind.CLIENT, client_id=client_id, scopes=frozenset({"citycode:verify"}))


def code_for(person, at: datetime | None = None) -> str:
    """A fresh city code of ``person`` (issued at ``at``)."""
    with clock.frozen(at or clock.utcnow()):
        return identity.my_city_code(Actor(kind=ActorKind.PERSON, person_id=person.id)).code


def tap_id() -> str:
    """A fresh tap id."""
    return f"T{next(_serial):06d}-{datetime.now(UTC).timestamp():.0f}"


def gate(line: str, station: str, kind: str = "") -> str:
    """A demo gate's code."""
    return demo.gate_code(line, station, kind)


SCHOOL = "test-school"
CLEARING = "test-transit-clearing"


def institution(client, client_id: str, kind: str) -> dict:
    """Headers of an institution's client of ``kind`` (registered on first use)."""
    if clients.client_by_id(client_id) is None:
        clients.register_client(kind, client_id, client_id=client_id, secret=f"{client_id}-secret")
    return scanner_headers(client, client_id)
