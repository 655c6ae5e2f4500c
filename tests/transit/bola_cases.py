"""BOLA cases of transit: another resident never sees the owner's trips."""

import uuid
from datetime import timedelta

from app.core import clock
from app.core.actors import Actor, ActorKind
from app.transit import services
from app.transit.models import PaymentState, Trip
from tests.bola import BolaContext, bola_case, exempt
from tests.transit import helpers


def _trip(ctx: BolaContext):
    helpers.network()
    moment = clock.utcnow() - timedelta(minutes=30)
    request = services.TapRequest(
        "M1-DGG-IN", helpers.tap_id(), "entry", helpers.code_for(ctx.owner, moment), moment
    )
    tap, _ = services.record_tap(helpers.scanner_actor(), request, offline=True)
    return tap.trip_id


@bola_case("GET", "/api/v1/transit/trips/{trip_id}")
def owners_trip(ctx: BolaContext) -> dict:
    """The owner reads a trip and its taps; another resident gets 404."""
    trip_id = _trip(ctx)
    return {"trip_id": trip_id, "secret": str(trip_id)}


@bola_case("GET", "/api/v1/transit/trips", collection=True)
def owners_trips(ctx: BolaContext) -> dict:
    """Another resident's trip list never shows the owner's trip."""
    return {"secret": str(_trip(ctx))}


def _paid_trip(ctx: BolaContext):
    trip = ctx.db.session.get(Trip, _trip(ctx))
    trip.payment_state, trip.payment_id = PaymentState.PAID, uuid.uuid4()  # as settlement leaves it
    ctx.db.session.flush()
    return trip.id


@bola_case("POST", "/api/v1/transit/trips/{trip_id}/dispute", body={"kind": "wrong_fare"})
def owners_trip_disputed(ctx: BolaContext) -> dict:
    """The owner disputes a paid fare; another resident gets 404 for the trip."""
    trip_id = _paid_trip(ctx)
    return {"trip_id": trip_id, "secret": str(trip_id)}


@bola_case("GET", "/api/v1/transit/disputes/{dispute_id}")
def owners_dispute(ctx: BolaContext) -> dict:
    """The owner reads their fare dispute; another resident gets 404."""
    dispute = services.raise_dispute(ctx_actor(ctx), _paid_trip(ctx), kind="missing_tap", description="漏刷")
    return {"dispute_id": dispute.id, "secret": str(dispute.id)}


@bola_case("GET", "/api/v1/transit/disputes", collection=True)
def owners_disputes(ctx: BolaContext) -> dict:
    """Another resident's dispute list never shows the owner's dispute."""
    dispute = services.raise_dispute(ctx_actor(ctx), _paid_trip(ctx), kind="missing_tap")
    return {"secret": str(dispute.id)}


@bola_case("POST", "/api/v1/transit/disputes/{dispute_id}/escalate", body={})
def owners_dispute_escalated(ctx: BolaContext) -> dict:
    """Only the rider takes a rejected fare dispute to 12345."""
    from app.complaints import services as complaints

    complaints.seed_categories()
    dispute = services.raise_dispute(
        ctx_actor(ctx), _paid_trip(ctx), kind="wrong_fare", description="票价不对"
    )
    clearing = Actor(kind=ActorKind.CLIENT, client_id="bola-clearing", scopes=frozenset({"transit:disputes"}))
    services.decide_dispute(clearing, dispute.id, accepted=False, answer="票价无误")
    return {"dispute_id": dispute.id, "secret": str(dispute.id)}


def ctx_actor(ctx: BolaContext):
    """The owner as an actor."""
    return Actor(kind=ActorKind.PERSON, person_id=ctx.owner.id)


exempt(
    "/api/v1/transit/clearing/disputes/<uuid:dispute_id>/decision",
    "the clearing house's client only (scope transit:disputes); residents are refused before any record "
    "is read (tests/transit/test_disputes.py)",
)
