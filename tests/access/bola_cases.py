"""BOLA cases of access: another resident never sees the owner's passes, their uses, or the entry log."""

from datetime import timedelta

from app.access import services
from app.core import clock
from app.core.actors import Actor, ActorKind
from tests.access import helpers
from tests.bola import BolaContext, bola_case, exempt

VISITOR = "BOLA秘密访客"


def _pass(ctx: BolaContext):
    home, _ = helpers.places()
    helpers.live_in(home, ctx.owner, ctx.make_person)
    owner = Actor(kind=ActorKind.PERSON, person_id=ctx.owner.id)
    visitor_pass = services.issue_pass(owner, home.id, VISITOR, clock.utcnow() + timedelta(hours=5), 3)
    scanner = Actor(kind=ActorKind.CLIENT, client_id=helpers.GATES, scopes=frozenset({"citycode:verify"}))
    services.scan_at_gate(scanner, "JYHY-N", visitor_pass.pass_code, "in")
    return visitor_pass


@bola_case("GET", "/api/v1/access/passes/{pass_id}")
def owners_pass(ctx: BolaContext) -> dict:
    """The owner reads the pass and its code; another resident gets 404."""
    visitor_pass = _pass(ctx)
    return {"pass_id": visitor_pass.id, "secret": visitor_pass.token}


@bola_case("POST", "/api/v1/access/passes/{pass_id}/revoke")
def owners_pass_revoked(ctx: BolaContext) -> dict:
    """Only the owner revokes the pass."""
    visitor_pass = _pass(ctx)
    return {"pass_id": visitor_pass.id, "secret": visitor_pass.token}


@bola_case("GET", "/api/v1/access/passes/{pass_id}/events")
def owners_pass_events(ctx: BolaContext) -> dict:
    """Only the owner reads who used the pass."""
    return {"pass_id": _pass(ctx).id, "secret": VISITOR}


@bola_case("GET", "/api/v1/access/passes", collection=True)
def owners_passes(ctx: BolaContext) -> dict:
    """Another resident's list never shows the owner's pass."""
    return {"secret": _pass(ctx).token}


@bola_case("GET", "/api/v1/access/events", collection=True)
def owners_events(ctx: BolaContext) -> dict:
    """Another resident's entry log never shows the owner's visitor."""
    _pass(ctx)
    return {"secret": VISITOR}


exempt(
    "/api/v1/access/venues/<uuid:venue_id>/card",
    "the venue is public; the card answered is always the caller's own "
    "(tests/access/test_story.py::test_the_library_learns_the_card_number_and_the_museum_wants_a_real_name)",
)
