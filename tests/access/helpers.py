"""What the access tests share: the demo compounds and venues with test scanners, residents in them."""

from __future__ import annotations

from app.access import demo, services
from app.access.models import Compound
from app.core.actors import Actor, ActorKind
from app.extensions import db
from app.identity import clients
from tests.transit.helpers import code_for, scanner_headers  # noqa: F401 - the same city codes and tokens

GATES, VENUES = "test-compound-scanner", "test-venue-scanner"


def places() -> tuple[Compound, Compound]:
    """The demo compounds (gates operated by the test gate scanner) and venues; returns the compounds."""
    for client_id in (GATES, VENUES):
        if clients.client_by_id(client_id) is None:
            clients.register_client("scanner", client_id, client_id=client_id, secret=f"{client_id}-secret")
    home, other = demo.seed_compounds(GATES)
    demo.seed_venues(VENUES)
    return home, other


def live_in(compound: Compound, person, make_person) -> None:
    """Register ``person`` in ``compound`` as a community worker would."""
    worker = make_person("community_worker")
    services.register_resident(
        Actor(kind=ActorKind.PERSON, person_id=worker.id, roles=frozenset({"community_worker"})),
        compound.id,
        person.phone,
        "1栋101",
    )
    db.session.flush()
