"""Transit over HTTP: gate scanners send taps; riders read their trips and pay unpaid fares."""

from __future__ import annotations

from app.core.actors import ActorKind
from app.core.api import ApiBlueprint, current_actor
from app.core.idempotency import current_key
from app.core.pagination import page_schema
from app.transit import services
from app.transit.schemas import (
    FarePaymentSchema,
    FareTableSchema,
    TapBatchResultSchema,
    TapBatchSchema,
    TapCreateSchema,
    TapResultSchema,
    TripDetailSchema,
    TripQuerySchema,
    TripSchema,
)

blp = ApiBlueprint("transit", __name__, description="Bus and metro rides with the city code (乘车码)")
gate_blp = ApiBlueprint(
    "transit_gates", __name__, description="Transit gate scanners: taps, online and offline"
)

SCANNER = {"kinds": (ActorKind.CLIENT,), "scopes": ("citycode:verify",)}


@gate_blp.route("/transit/taps", methods=["POST"])
@gate_blp.auth(**SCANNER)
@gate_blp.arguments(TapCreateSchema)
@gate_blp.response(200, TapResultSchema)
def tap(body):
    """A gate read a city code (purpose ``transit``): open or not. A retry with one tap_id is one tap.

    The gate must be one this scanner operates (404 ``unknown-gate`` otherwise).
    """
    return services.take_tap(current_actor(), services.TapRequest(**body))


@gate_blp.route("/transit/taps/batch", methods=["POST"])
@gate_blp.auth(**SCANNER)
@gate_blp.arguments(TapBatchSchema)
@gate_blp.response(200, TapBatchResultSchema)
def upload_taps(body):
    """An offline gate uploads the taps it read (at most 500): each once by tap_id, as of when it was read.

    The whole batch is refused (nothing kept) when a tap names a gate of another scanner or a
    moment in the future or more than 7 days ago.
    """
    return services.upload_taps(current_actor(), [services.TapRequest(**item) for item in body["taps"]])


@blp.route("/transit/fares")
@blp.response(200, FareTableSchema)
def fares():
    """The fare rule: flat bus fare, metro bands, the transfer discount, the daily cap, concessions."""
    return services.fare_table()


@blp.route("/transit/trips")
@blp.auth()
@blp.arguments(TripQuerySchema, location="query")
@blp.response(200, page_schema(TripSchema))
def list_trips(args):
    """My trips, newest first; ``status=incomplete`` for those missing a tap."""
    return services.list_trips(current_actor(), **args)


@blp.route("/transit/trips/<uuid:trip_id>")
@blp.auth()
@blp.response(200, TripDetailSchema)
def get_trip(trip_id):
    """One of my trips, with the taps it was formed from."""
    return services.trip_detail(current_actor(), trip_id)


@blp.route("/transit/trips/pay", methods=["POST"])
@blp.auth()
@blp.idempotent()
@blp.response(201, FarePaymentSchema)
def pay_unpaid():
    """Pay my unpaid trips now (a daily charge failed): one payment, settled as /payments/{id} says.

    404 ``nothing-to-pay`` when no trip is unpaid; send an Idempotency-Key.
    """
    return services.pay_unpaid(current_actor(), current_key())
