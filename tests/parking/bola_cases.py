"""BOLA cases of parking: another resident never sees or touches the owner's plates, stays or fines."""

from __future__ import annotations

import itertools
from datetime import timedelta

from app.complaints import services as complaints
from app.core.models import utcnow
from app.parking import services
from tests.bola import BolaContext, bola_case, exempt
from tests.parking import helpers

_plates = itertools.count(11)
SECRET = "BOLA-SECRET-PARKING-DISPUTE"


def _plate(ctx: BolaContext):
    return helpers.bind(ctx.owner, f"贵B{next(_plates):04d}7")


def _stay(ctx: BolaContext):
    plate = _plate(ctx)
    lot = helpers.make_lot("bola-lot")
    exited = helpers.stay(lot, plate.number, utcnow() - timedelta(hours=2), 90)
    return plate, exited.session_id


def _violation(ctx: BolaContext):
    plate = _plate(ctx)
    return plate, helpers.file(plate.number)


@bola_case("GET", "/api/v1/parking/plates", collection=True)
def owners_plates(ctx: BolaContext) -> dict:
    """Another resident's plate list never shows the owner's plate."""
    return {"secret": _plate(ctx).number}


@bola_case("GET", "/api/v1/parking/plates/{plate_id}")
def owners_plate(ctx: BolaContext) -> dict:
    """The owner reads the plate; another resident gets 404."""
    plate = _plate(ctx)
    return {"plate_id": plate.id, "secret": plate.number}


@bola_case("DELETE", "/api/v1/parking/plates/{plate_id}")
def owners_plate_unbound(ctx: BolaContext) -> dict:
    """Only the owner unbinds the plate."""
    plate = _plate(ctx)
    return {"plate_id": plate.id, "secret": plate.number}


@bola_case("PUT", "/api/v1/parking/plates/{plate_id}/frictionless", body={"enabled": True})
def owners_frictionless(ctx: BolaContext) -> dict:
    """Only the owner turns frictionless pay on."""
    plate = _plate(ctx)
    return {"plate_id": plate.id, "secret": plate.number}


@bola_case("GET", "/api/v1/parking/sessions", collection=True)
def owners_sessions(ctx: BolaContext) -> dict:
    """Another resident's stays never show the owner's."""
    plate, _session_id = _stay(ctx)
    return {"secret": plate.number}


@bola_case("GET", "/api/v1/parking/sessions/{session_id}")
def owners_session(ctx: BolaContext) -> dict:
    """The owner reads the stay; another resident gets 404."""
    plate, session_id = _stay(ctx)
    return {"session_id": session_id, "secret": plate.number}


@bola_case("GET", "/api/v1/violations", collection=True)
def owners_violations(ctx: BolaContext) -> dict:
    """Another resident's violations never show the owner's."""
    _plate_, violation = _violation(ctx)
    return {"secret": violation.reference}


@bola_case("GET", "/api/v1/violations/{violation_id}")
def owners_violation(ctx: BolaContext) -> dict:
    """The holder reads the violation; another resident gets 404."""
    _plate_, violation = _violation(ctx)
    return {"violation_id": violation.id, "secret": violation.reference}


def _dispute(ctx: BolaContext):
    plate, session_id = _stay(ctx)
    dispute = services.raise_dispute(helpers.person_actor(ctx.owner), session_id, "wrong_fee", SECRET, [])
    return plate, dispute


@bola_case("GET", "/api/v1/parking/disputes", collection=True)
def owners_disputes(ctx: BolaContext) -> dict:
    """Another resident's disputes never show the owner's."""
    _dispute(ctx)
    return {"secret": SECRET}


@bola_case("GET", "/api/v1/parking/disputes/{dispute_id}")
def owners_dispute(ctx: BolaContext) -> dict:
    """The owner reads the dispute; another resident gets 404."""
    _plate_, dispute = _dispute(ctx)
    return {"dispute_id": dispute.id, "secret": SECRET}


@bola_case("POST", "/api/v1/parking/disputes/{dispute_id}/escalate", body={})
def owners_dispute_escalated(ctx: BolaContext) -> dict:
    """Only the owner takes a rejected dispute to 12345."""
    complaints.seed_categories()
    _plate_, dispute = _dispute(ctx)
    services.answer_dispute(helpers.operator_actor(), dispute.id, False, "按标准收费")
    return {"dispute_id": dispute.id, "secret": SECRET}


APPEAL_SECRET = "BOLA-SECRET-VIOLATION-APPEAL"


def _appeal(ctx: BolaContext):
    _plate_, violation = _violation(ctx)
    return services.appeal_violation(
        helpers.person_actor(ctx.owner), violation.id, "wrong_facts", APPEAL_SECRET, ["upload://bola.jpg"]
    )


@bola_case("GET", "/api/v1/violations/appeals", collection=True)
def owners_appeals(ctx: BolaContext) -> dict:
    """Another resident's appeals never show the owner's."""
    _appeal(ctx)
    return {"secret": APPEAL_SECRET}


@bola_case("GET", "/api/v1/violations/appeals/{dispute_id}")
def owners_appeal(ctx: BolaContext) -> dict:
    """The owner reads the appeal and its decision; another resident gets 404."""
    return {"dispute_id": _appeal(ctx).id, "secret": APPEAL_SECRET}


@bola_case("POST", "/api/v1/violations/appeals/{dispute_id}/escalate", body={})
def owners_appeal_escalated(ctx: BolaContext) -> dict:
    """Only the owner takes a rejected appeal to 12345."""
    complaints.seed_categories()
    appeal = _appeal(ctx)
    services.decide_appeal(helpers.police_actor(), appeal.id, False, "经核查无误")
    return {"dispute_id": appeal.id, "secret": APPEAL_SECRET}


exempt("/api/v1/parking/lots/<uuid:lot_id>", "public reference data: a lot's place, tariff and free spaces")
OPERATOR_ONLY = (
    "an operator's route: residents are refused (403, kinds=client) and one operator never reaches "
    "another's lots (tests/parking/test_operator.py, tests/parking/test_tariff_versions.py)"
)
for rule in (
    "/api/v1/operator/lots/<string:code>/occupancy",
    "/api/v1/operator/lots/<string:code>",
    "/api/v1/operator/lots/<string:code>/tariffs",
    "/api/v1/operator/lots/<string:code>/tariffs/<uuid:version_id>",
    "/api/v1/operator/anomalies/<uuid:anomaly_id>/resolve",
    "/api/v1/operator/disputes/<uuid:dispute_id>/answer",
):
    exempt(rule, OPERATOR_ONLY)
POLICE_ONLY = (
    "the traffic police's route: residents are refused (403, kinds=client) and one police client sees "
    "only what it filed and the appeals of it "
    "(tests/parking/test_violations.py, tests/parking/test_appeals.py)"
)
for rule in (
    "/api/v1/police/violations/<string:reference>",
    "/api/v1/police/violations/<string:reference>/withdraw",
    "/api/v1/police/appeals/<uuid:dispute_id>/decide",
):
    exempt(rule, POLICE_ONLY)
exempt(
    "/api/v1/staff/parking/lots/<string:code>",
    "administrators only (roles=admin; residents get 403, tests/parking/test_lots_managed.py): a lot "
    "is reference data, nobody's private record",
)
