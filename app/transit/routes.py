"""Transit over HTTP: gate scanners send taps; riders read their trips and pay unpaid fares."""

from __future__ import annotations

from app.core.actors import ActorKind
from app.core.api import ApiBlueprint, current_actor
from app.core.idempotency import current_key
from app.core.pagination import PageArgsSchema, page_schema
from app.transit import policies, services
from app.transit.schemas import (
    ConcessionSchema,
    FareDisputeCreateSchema,
    FareDisputeDecisionSchema,
    FareDisputeEscalateSchema,
    FareDisputeQuerySchema,
    FareDisputeSchema,
    FarePaymentSchema,
    FareTableSchema,
    MyConcessionsSchema,
    StudentAttestationSchema,
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

institution_blp = ApiBlueprint(
    "transit_institutions",
    __name__,
    description="Schools attesting students' concessions; the clearing house deciding fare disputes",
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


@blp.route("/transit/concessions")
@blp.auth()
@blp.response(200, MyConcessionsSchema)
def my_concessions():
    """The concession I ride on today (elder by my verified ID, student by my school), and my attestations."""
    return services.my_concessions(current_actor())


@blp.route("/transit/trips/<uuid:trip_id>/dispute", methods=["POST"])
@blp.auth()
@blp.arguments(FareDisputeCreateSchema)
@blp.response(201, FareDisputeSchema)
def dispute_fare(body, trip_id):
    """Dispute the fare of one of my paid trips (once per trip): a missing tap, a wrong fare, not my ride.

    409 ``fare-not-disputable`` before the fare is paid, ``fare-dispute-exists`` the second time.
    """
    return services.raise_dispute(current_actor(), trip_id, **body)


@blp.route("/transit/disputes")
@blp.auth()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(FareDisputeSchema))
def list_disputes(args):
    """My fare disputes, newest first."""
    return services.list_disputes(current_actor(), **args)


@blp.route("/transit/disputes/<uuid:dispute_id>")
@blp.auth()
@blp.response(200, FareDisputeSchema)
def get_dispute(dispute_id):
    """One of my fare disputes and its decision."""
    return services.get_dispute(current_actor(), dispute_id)


@blp.route("/transit/disputes/<uuid:dispute_id>/escalate", methods=["POST"])
@blp.auth()
@blp.arguments(FareDisputeEscalateSchema)
@blp.response(200, FareDisputeSchema)
def escalate_dispute(body, dispute_id):
    """Take a rejected fare dispute to 12345 with the trip attached, once.

    409 ``dispute-not-escalatable`` unless it was rejected (and not escalated yet).
    """
    return services.escalate_dispute(current_actor(), dispute_id, **body)


@institution_blp.route("/transit/concessions/students", methods=["PUT"])
@institution_blp.auth(kinds=(ActorKind.CLIENT,), scopes=(policies.CONCESSION_SCOPE,))
@institution_blp.arguments(StudentAttestationSchema)
@institution_blp.response(200, ConcessionSchema)
def attest_student(body):
    """A school attests a verified resident as a student from one day to another (again: replaced)."""
    return services.attest_student(current_actor(), **body)


@institution_blp.route("/transit/clearing/disputes")
@institution_blp.auth(kinds=(ActorKind.CLIENT,), scopes=(policies.DISPUTE_SCOPE,))
@institution_blp.arguments(FareDisputeQuerySchema, location="query")
@institution_blp.response(200, page_schema(FareDisputeSchema))
def disputes_to_review(args):
    """Fare disputes to decide, oldest first (each read is written to the rider's access log)."""
    return services.disputes_to_review(current_actor(), **args)


@institution_blp.route("/transit/clearing/disputes/<uuid:dispute_id>/decision", methods=["POST"])
@institution_blp.auth(kinds=(ActorKind.CLIENT,), scopes=(policies.DISPUTE_SCOPE,))
@institution_blp.arguments(FareDisputeDecisionSchema)
@institution_blp.response(200, FareDisputeSchema)
def decide_dispute(body, dispute_id):
    """Uphold a dispute (the fare, or the part given, refunded once) or reject it; 409 once decided."""
    return services.decide_dispute(current_actor(), dispute_id, **body)
