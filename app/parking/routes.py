"""Parking and traffic violations over HTTP: drivers (and family members), operators, the police."""

from __future__ import annotations

from datetime import time

from flask import Response

from app.core.actors import ActorKind, Role
from app.core.api import ApiBlueprint, current_actor
from app.core.idempotency import current_key
from app.core.pagination import PageArgsSchema, page_schema
from app.core.replicas import replica_ok
from app.parking import services
from app.parking.schemas import (
    AnomalyQuerySchema,
    AnomalyResolveSchema,
    AnomalySchema,
    FinePaymentRequestSchema,
    FrictionlessSchema,
    GateEventRequestSchema,
    GateEventSchema,
    LotChangeSchema,
    LotDetailQuerySchema,
    LotOccupancySchema,
    LotQuerySchema,
    LotSaveSchema,
    LotSchema,
    ManagedLotSchema,
    OccupancySchema,
    OperatorDisputeQuerySchema,
    OperatorDisputeSchema,
    ParkingDisputeAnswerSchema,
    ParkingDisputeCreateSchema,
    ParkingDisputeSchema,
    ParkingEscalateSchema,
    ParkingPassCreateSchema,
    ParkingPassSchema,
    ParkingPaymentSchema,
    PlateCreateSchema,
    PlateSchema,
    PoliceDisputeQuerySchema,
    PoliceDisputeSchema,
    PoliceReviewSchema,
    SessionPaymentRequestSchema,
    SessionQuerySchema,
    SessionSchema,
    TariffPublishSchema,
    TariffVersionSchema,
    ViolationDisputeCreateSchema,
    ViolationDisputeSchema,
    ViolationFileSchema,
    ViolationQuerySchema,
    ViolationSchema,
)

blp = ApiBlueprint(
    "parking", __name__, description="Smart parking (智慧停车) and traffic violations (交通违法处理)"
)
operator_blp = ApiBlueprint(
    "parking_operator", __name__, description="Parking operators: gate events, occupancy, passes, anomalies"
)
police_blp = ApiBlueprint(
    "traffic_police", __name__, description="The traffic police: file violations, decide appeals"
)
staff_blp = ApiBlueprint("staff_parking", __name__, description="The lot registry (administrators)")

OPERATOR = {"scopes": (services.WRITE_SCOPE,), "kinds": (ActorKind.CLIENT,)}
POLICE = {"scopes": (services.POLICE_SCOPE,), "kinds": (ActorKind.CLIENT,)}


# --- guidance: public ---------------------------------------------------------------------------


@blp.route("/parking/lots")
@replica_ok
@blp.arguments(LotQuerySchema, location="query")
@blp.response(200, LotSchema(many=True))
def lots_near(args):
    """Lots near a point (GCJ-02 accepted): free spaces first, nearest first, with the stay's price."""
    return services.lots_near(
        args["centre"], radius=args["radius"], stay_minutes=args["stay_minutes"], limit=args["limit"]
    )


@blp.route("/parking/lots/<uuid:lot_id>")
@blp.arguments(LotDetailQuerySchema, location="query")
@blp.response(200, LotSchema)
def get_lot(args, lot_id):
    """One lot, its tariff and the price of an intended stay."""
    return services.get_lot(lot_id, args["stay_minutes"])


# --- plates -------------------------------------------------------------------------------------


@blp.route("/parking/plates")
@blp.auth()
@blp.response(200, PlateSchema(many=True))
def list_plates():
    """My plates (at most 3); a family member with a parking mandate sees the grantor's."""
    return services.list_plates(current_actor())


@blp.route("/parking/plates", methods=["POST"])
@blp.auth()
@blp.arguments(PlateCreateSchema)
@blp.response(201, PlateSchema)
def bind_plate(body):
    """Bind a plate; the vehicle registry confirms the holder's name (422 if not, 409 if someone holds it)."""
    plate = services.bind_plate(current_actor(), body["number"], body["holder_name"], body["frictionless"])
    return plate


@blp.route("/parking/plates/<uuid:plate_id>")
@blp.auth()
@blp.response(200, PlateSchema)
def get_plate(plate_id):
    """One of my plates."""
    return services.get_plate(current_actor(), plate_id)


@blp.route("/parking/plates/<uuid:plate_id>", methods=["DELETE"])
@blp.auth()
@blp.response(204)
def unbind_plate(plate_id):
    """Unbind a plate (its stays and fines stay in my history)."""
    services.unbind_plate(current_actor(), plate_id)
    return Response(status=204)


@blp.route("/parking/plates/<uuid:plate_id>/frictionless", methods=["PUT"])
@blp.auth()
@blp.arguments(FrictionlessSchema)
@blp.response(200, PlateSchema)
def set_frictionless(body, plate_id):
    """Turn frictionless pay (无感支付, leave first and pay later) on or off for a plate."""
    plate = services.set_frictionless(current_actor(), plate_id, body["enabled"])
    return plate


# --- stays --------------------------------------------------------------------------------------


@blp.route("/parking/sessions")
@blp.auth()
@blp.arguments(SessionQuerySchema, location="query")
@blp.response(200, page_schema(SessionSchema))
def list_sessions(args):
    """My stays, newest first: parked, free, unpaid, paid or waived."""
    return services.list_sessions(current_actor(), **args)


@blp.route("/parking/sessions/<uuid:session_id>")
@blp.auth()
@blp.response(200, SessionSchema)
def get_session(session_id):
    """One of my stays."""
    return services.get_session(current_actor(), session_id)


@blp.route("/parking/payments", methods=["POST"])
@blp.auth()
@blp.idempotent()
@blp.arguments(SessionPaymentRequestSchema)
@blp.response(201, ParkingPaymentSchema)
def pay_session(body):
    """Pay an unpaid stay (send an Idempotency-Key); 409 while it is being charged or once paid."""
    intent = services.pay_session(current_actor(), body["session_id"], current_key())
    return intent


# --- disputes -----------------------------------------------------------------------------------


@blp.route("/parking/disputes", methods=["POST"])
@blp.auth()
@blp.arguments(ParkingDisputeCreateSchema)
@blp.response(201, ParkingDisputeSchema)
def raise_dispute(body):
    """Dispute a charged stay (a misread plate, wrong times, a wrong fee); the operator answers in time."""
    dispute = services.raise_dispute(current_actor(), **body)
    return dispute


@blp.route("/parking/disputes")
@blp.auth()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(ParkingDisputeSchema))
def list_disputes(args):
    """My disputes, newest first."""
    return services.list_disputes(current_actor(), **args)


@blp.route("/parking/disputes/<uuid:dispute_id>")
@blp.auth()
@blp.response(200, ParkingDisputeSchema)
def get_dispute(dispute_id):
    """One of my disputes, with the operator's answer."""
    return services.get_dispute(current_actor(), dispute_id)


@blp.route("/parking/disputes/<uuid:dispute_id>/escalate", methods=["POST"])
@blp.auth()
@blp.arguments(ParkingEscalateSchema)
@blp.response(200, ParkingDisputeSchema)
def escalate_dispute(body, dispute_id):
    """Take a rejected or unanswered dispute to 12345 as a complaint carrying the stay."""
    dispute = services.escalate_dispute(current_actor(), dispute_id, **body)
    return dispute


# --- violations ---------------------------------------------------------------------------------


@blp.route("/violations")
@blp.auth()
@blp.arguments(ViolationQuerySchema, location="query")
@blp.response(200, page_schema(ViolationSchema))
def list_violations(args):
    """The traffic violations of my plates, newest first."""
    return services.list_violations(current_actor(), **args)


@blp.route("/violations/<uuid:violation_id>")
@blp.auth()
@blp.response(200, ViolationSchema)
def get_violation(violation_id):
    """One violation of my plates."""
    return services.get_violation(current_actor(), violation_id)


@blp.route("/violations/payments", methods=["POST"])
@blp.auth()
@blp.idempotent()
@blp.arguments(FinePaymentRequestSchema)
@blp.response(201, ParkingPaymentSchema)
def pay_violation(body):
    """Pay a fine (send an Idempotency-Key); a fine is paid once (409 while paying or once paid)."""
    intent = services.pay_violation(current_actor(), body["violation_id"], current_key())
    return intent


@blp.route("/violations/appeals", methods=["POST"])
@blp.auth()
@blp.arguments(ViolationDisputeCreateSchema)
@blp.response(201, ViolationDisputeSchema)
def appeal_violation(body):
    """Appeal an unpaid violation with reasons and evidence; it is not payable until the police decide."""
    dispute = services.appeal_violation(current_actor(), **body)
    return dispute


@blp.route("/violations/appeals")
@blp.auth()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(ViolationDisputeSchema))
def list_appeals(args):
    """My appeals, newest first."""
    return services.list_appeals(current_actor(), **args)


@blp.route("/violations/appeals/<uuid:dispute_id>")
@blp.auth()
@blp.response(200, ViolationDisputeSchema)
def get_appeal(dispute_id):
    """One of my appeals, with the police's decision."""
    return services.get_appeal(current_actor(), dispute_id)


@blp.route("/violations/appeals/<uuid:dispute_id>/escalate", methods=["POST"])
@blp.auth()
@blp.arguments(ParkingEscalateSchema)
@blp.response(200, ViolationDisputeSchema)
def escalate_appeal(body, dispute_id):
    """Take a rejected (or undecided past its deadline) appeal to 12345 with the violation attached, once."""
    return services.escalate_appeal(current_actor(), dispute_id, **body)


# --- operators ----------------------------------------------------------------------------------


@operator_blp.route("/operator/gate-events", methods=["POST"])
@operator_blp.auth(**OPERATOR)
@operator_blp.arguments(GateEventRequestSchema)
@operator_blp.response(200, GateEventSchema)
def gate_event(body):
    """Report an entry or exit; the same event id again returns the first answer.

    An exit prices the stay; with the plate's frictionless pay on it is charged through the ledger
    with the event as the key. The gate opens in every case (leave first, pay later); what does not
    add up is recorded as an anomaly.
    """
    event = services.record_gate_event(current_actor(), **body)
    return event


@operator_blp.route("/operator/lots/<string:code>/occupancy", methods=["PUT"])
@operator_blp.auth(**OPERATOR)
@operator_blp.arguments(OccupancySchema)
@operator_blp.response(200, LotOccupancySchema)
def report_occupancy(body, code):
    """Say how many spaces of my lot are taken now (sensors, a count)."""
    lot = services.report_occupancy(current_actor(), code, body["occupied"])
    return lot


@operator_blp.route("/operator/lots/<string:code>")
@operator_blp.auth(**OPERATOR)
@operator_blp.response(200, ManagedLotSchema)
def managed_lot(code):
    """One of my lots, open or not, with its occupancy and tariff."""
    return services.managed_lot(current_actor(), code)


@operator_blp.route("/operator/lots/<string:code>", methods=["PATCH"])
@operator_blp.auth(**OPERATOR)
@operator_blp.arguments(LotChangeSchema)
@operator_blp.response(200, ManagedLotSchema)
def change_lot(body, code):
    """Change my lot's capacity, tariff (in effect from now), opening hours or whether it is open."""
    lot = services.change_lot(current_actor(), code, body)
    return lot


@operator_blp.route("/operator/lots/<string:code>/tariffs", methods=["POST"])
@operator_blp.auth(**OPERATOR)
@operator_blp.arguments(TariffPublishSchema)
@operator_blp.response(201, TariffVersionSchema)
def publish_tariff(body, code):
    """Publish a version of my lot's tariff taking effect at a later moment (the same moment: replaced).

    Drivers see the next one on the lot; a stay crossing the moment is priced by each version for its
    part.
    """
    return services.publish_tariff(current_actor(), code, body["tariff"], body["effective_at"])


@operator_blp.route("/operator/lots/<string:code>/tariffs/<uuid:version_id>", methods=["DELETE"])
@operator_blp.auth(**OPERATOR)
@operator_blp.response(204)
def withdraw_tariff(code, version_id):
    """Withdraw a version of my lot's tariff before it takes effect (409 once in effect)."""
    services.withdraw_tariff(current_actor(), code, version_id)
    return Response(status=204)


@operator_blp.route("/operator/anomalies")
@operator_blp.auth(**OPERATOR)
@operator_blp.arguments(AnomalyQuerySchema, location="query")
@operator_blp.response(200, page_schema(AnomalySchema))
def list_anomalies(args):
    """Anomalies at my lots, oldest first."""
    return services.list_anomalies(current_actor(), **args)


@operator_blp.route("/operator/anomalies/<uuid:anomaly_id>/resolve", methods=["POST"])
@operator_blp.auth(**OPERATOR)
@operator_blp.arguments(AnomalyResolveSchema)
@operator_blp.response(200, AnomalySchema)
def resolve_anomaly(body, anomaly_id):
    """Dismiss an anomaly, or give the entry time of an exit without entry (the stay is priced)."""
    anomaly = services.resolve_anomaly(current_actor(), anomaly_id, **body)
    return anomaly


@operator_blp.route("/operator/disputes")
@operator_blp.auth(**OPERATOR)
@operator_blp.arguments(OperatorDisputeQuerySchema, location="query")
@operator_blp.response(200, page_schema(OperatorDisputeSchema))
def operator_disputes(args):
    """Disputes of stays at my lots, oldest first."""
    return services.operator_disputes(current_actor(), **args)


@operator_blp.route("/operator/disputes/<uuid:dispute_id>/answer", methods=["POST"])
@operator_blp.auth(**OPERATOR)
@operator_blp.arguments(ParkingDisputeAnswerSchema)
@operator_blp.response(200, OperatorDisputeSchema)
def answer_dispute(body, dispute_id):
    """Accept (the stay then costs ``fee``, zero by default; a paid one is refunded) or reject."""
    accepted = body["decision"] == "accepted"
    dispute = services.answer_dispute(current_actor(), dispute_id, accepted, body["answer"], body["fee"])
    return dispute


@operator_blp.route("/operator/passes", methods=["POST"])
@operator_blp.auth(**OPERATOR)
@operator_blp.arguments(ParkingPassCreateSchema)
@operator_blp.response(201, ParkingPassSchema)
def issue_pass(body):
    """Issue a monthly pass or resident permit (optionally for some hours a day) for a plate at my lot."""
    start, end = body.pop("hours_start"), body.pop("hours_end")
    hours = (time.fromisoformat(start), time.fromisoformat(end)) if start else None
    record = services.issue_pass(current_actor(), hours=hours, **body)
    return record


# --- the traffic police ---------------------------------------------------------------------------


@police_blp.route("/police/violations", methods=["POST"])
@police_blp.auth(**POLICE)
@police_blp.arguments(ViolationFileSchema)
@police_blp.response(201, ViolationSchema)
def file_violation(body):
    """File a violation against a plate (201); the same reference again returns it (200)."""
    violation, created = services.file_violation(current_actor(), **body)
    return violation, 201 if created else 200


@police_blp.route("/police/violations/<string:reference>")
@police_blp.auth(**POLICE)
@police_blp.response(200, ViolationSchema)
def police_violation(reference):
    """One violation I filed, and whether it is paid."""
    return services.police_violation(current_actor(), reference)


@police_blp.route("/police/violations/<string:reference>/withdraw", methods=["POST"])
@police_blp.auth(**POLICE)
@police_blp.response(200, ViolationSchema)
def withdraw_violation(reference):
    """Withdraw an unpaid violation filed in error."""
    return services.withdraw_violation(current_actor(), reference)


@police_blp.route("/police/appeals")
@police_blp.auth(**POLICE)
@police_blp.arguments(PoliceDisputeQuerySchema, location="query")
@police_blp.response(200, page_schema(PoliceDisputeSchema))
def police_appeals(args):
    """Appeals of my violations, oldest first, with the driver's reasons and evidence."""
    return services.police_appeals(current_actor(), **args)


@police_blp.route("/police/appeals/<uuid:dispute_id>/decide", methods=["POST"])
@police_blp.auth(**POLICE)
@police_blp.arguments(PoliceReviewSchema)
@police_blp.response(200, PoliceDisputeSchema)
def decide_appeal(body, dispute_id):
    """Accept an appeal (the violation is withdrawn) or reject it (payable again, 15 days to pay)."""
    accepted = body["decision"] == "accepted"
    dispute = services.decide_appeal(current_actor(), dispute_id, accepted, body["answer"], body["reviewer"])
    return dispute


# --- administrators -------------------------------------------------------------------------------


@staff_blp.route("/parking/lots/<string:code>", methods=["PUT"])
@staff_blp.auth(roles=(Role.ADMIN,))
@staff_blp.arguments(LotSaveSchema)
@staff_blp.response(200, ManagedLotSchema)
def save_lot(body, code):
    """Register a lot under a code, or change it: names, operator, place, capacity, tariff, hours."""
    lot = services.save_lot(current_actor(), code, body)
    return lot
