"""Lots, plates, stays, gate events, anomalies, passes and violations, as the API shows and takes them."""

from __future__ import annotations

import re

import marshmallow as ma
from flask_babel import gettext

from app.core.calendar import SHANGHAI
from app.core.geo import LocationSchema
from app.core.money import Money, MoneySchema
from app.core.nearby import NearbyArgsSchema
from app.core.pagination import PageArgsSchema
from app.core.validation import Range, StrictSchema
from app.parking.models import (
    SESSION_FILTERS,
    AnomalyStatus,
    Direction,
    DisputeKind,
    DisputeStatus,
    PassKind,
    ViolationDisputeKind,
    ViolationStatus,
)

EVENT_ID = re.compile(r"^[\x21-\x7e]{1,64}$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
RESOLUTIONS = ("dismissed", "entered_at")


def _fee(fen: int | None) -> dict | None:
    return None if fen is None else {"amount_fen": fen, "currency": "CNY"}


# --- lots ---------------------------------------------------------------------------------------


class LotQuerySchema(NearbyArgsSchema):
    """Lots near a point, with the price of the stay you intend."""

    stay_minutes = ma.fields.Integer(
        load_default=60, validate=Range(1, 24 * 60 * 7), metadata={"description": "Intended stay, minutes"}
    )
    limit = ma.fields.Integer(load_default=20, validate=Range(1, 50))


class LotDetailQuerySchema(ma.Schema):
    """The price of the stay you intend."""

    stay_minutes = ma.fields.Integer(load_default=60, validate=Range(1, 24 * 60 * 7))


class TariffVersionSchema(ma.Schema):
    """A version of a lot's tariff and the moment it takes effect."""

    id = ma.fields.UUID(dump_only=True)
    effective_at = ma.fields.DateTime(dump_only=True)
    tariff = ma.fields.Dict(dump_only=True, metadata={"description": "The tariff as data (docs/parking.md)"})


class TariffPublishSchema(StrictSchema):
    """A version of the tariff to take effect later (a time without an offset is Asia/Shanghai's)."""

    tariff = ma.fields.Dict(required=True, metadata={"description": "The tariff as data (docs/parking.md)"})
    effective_at = ma.fields.AwareDateTime(
        required=True,
        default_timezone=SHANGHAI,
        metadata={"example": "2027-01-01T00:00:00+08:00", "description": "When it takes effect"},
    )


class LotSchema(ma.Schema):
    """A car park or roadside berths: where, how full, what it costs."""

    id = ma.fields.UUID(dump_only=True)
    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    kind = ma.fields.String(dump_only=True, metadata={"description": "lot | roadside"})
    kind_label = ma.fields.String(dump_only=True)
    address = ma.fields.String(dump_only=True)
    lat = ma.fields.Float(dump_only=True, metadata={"description": "WGS84"})
    lng = ma.fields.Float(dump_only=True, metadata={"description": "WGS84"})
    distance_m = ma.fields.Integer(dump_only=True, allow_none=True)
    capacity = ma.fields.Integer(dump_only=True)
    free_spaces = ma.fields.Integer(dump_only=True)
    opening_hours = ma.fields.String(dump_only=True)
    stay_minutes = ma.fields.Integer(dump_only=True)
    stay_fee = ma.fields.Function(
        lambda lot: _fee(lot.stay_fee_fen),
        dump_only=True,
        metadata={"description": "Price of the intended stay"},
    )
    tariff = ma.fields.Dict(
        attribute="tariff_now",
        dump_only=True,
        metadata={"description": "The tariff in effect now, as data (see docs/parking.md)"},
    )
    upcoming_tariff = ma.fields.Nested(
        TariffVersionSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "The next version of the tariff the operator published, and when"},
    )


class LotSaveSchema(StrictSchema):
    """A lot as an administrator registers it (or changes it): everything but its occupancy."""

    names = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(["zh_Hans", "zh_Hant", "en"])),
        values=ma.fields.String(validate=ma.validate.Length(min=1, max=120)),
        required=True,
        metadata={"example": {"zh_Hans": "花果园停车场", "en": "Huaguoyuan car park"}},
    )
    operator_client_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    kind = ma.fields.String(load_default="lot", validate=ma.validate.OneOf(["lot", "roadside"]))
    address = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    capacity = ma.fields.Integer(required=True, strict=True, validate=Range(1, 100_000))
    opening_hours = ma.fields.String(
        load_default="00:00-24:00", validate=ma.validate.Regexp(r"^\d{2}:\d{2}-\d{2}:\d{2}$")
    )
    tariff = ma.fields.Dict(required=True, metadata={"description": "The tariff as data (docs/parking.md)"})
    active = ma.fields.Boolean(load_default=True)
    point = ma.fields.Nested(LocationSchema, required=True, metadata={"description": "GCJ-02 accepted"})

    @ma.validates_schema
    def _simplified_name(self, data, **kwargs):
        if "zh_Hans" not in data.get("names", {}):
            raise ma.ValidationError(gettext("Name the lot in Simplified Chinese at least."), "names")


class LotChangeSchema(StrictSchema):
    """What an operator changes of its own lot: the capacity, the tariff, the opening hours, whether open."""

    capacity = ma.fields.Integer(strict=True, validate=Range(1, 100_000))
    tariff = ma.fields.Dict(metadata={"description": "The tariff as data (docs/parking.md)"})
    opening_hours = ma.fields.String(validate=ma.validate.Regexp(r"^\d{2}:\d{2}-\d{2}:\d{2}$"))
    active = ma.fields.Boolean()

    @ma.validates_schema
    def _something(self, data, **kwargs):
        if not data:
            message = gettext("Change at least one of capacity, tariff, opening_hours, active.")
            raise ma.ValidationError(message)


class ManagedLotSchema(LotSchema):
    """A lot as its operator or an administrator manages it: occupancy and operator too."""

    operator_client_id = ma.fields.String(dump_only=True)
    occupied = ma.fields.Integer(dump_only=True)
    active = ma.fields.Boolean(dump_only=True)
    names = ma.fields.Dict(dump_only=True)
    stay_fee = ma.fields.Constant(None, dump_only=True, allow_none=True)
    stay_minutes = ma.fields.Constant(None, dump_only=True, allow_none=True)
    upcoming_tariffs = ma.fields.List(
        ma.fields.Nested(TariffVersionSchema),
        dump_only=True,
        metadata={"description": "Versions waiting to take effect, the soonest first"},
    )


class OccupancySchema(StrictSchema):
    """How many spaces are taken now."""

    occupied = ma.fields.Integer(required=True, strict=True, validate=Range(0, 100_000))


class LotOccupancySchema(ma.Schema):
    """A lot's occupancy as the operator set it."""

    code = ma.fields.String(dump_only=True)
    capacity = ma.fields.Integer(dump_only=True)
    occupied = ma.fields.Integer(dump_only=True)
    free_spaces = ma.fields.Integer(dump_only=True)
    occupancy_reported_at = ma.fields.DateTime(dump_only=True, allow_none=True)


# --- plates -------------------------------------------------------------------------------------


class PlateCreateSchema(StrictSchema):
    """Bind a plate: its number and the name the vehicle is registered in."""

    number = ma.fields.String(
        required=True, validate=ma.validate.Length(min=7, max=12), metadata={"example": "贵A12345"}
    )
    holder_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    frictionless = ma.fields.Boolean(
        load_default=False, metadata={"description": "Charge exits without stopping (无感支付)"}
    )


class FrictionlessSchema(StrictSchema):
    """Turn frictionless pay on or off."""

    enabled = ma.fields.Boolean(required=True)


class PlateSchema(ma.Schema):
    """A bound plate."""

    id = ma.fields.UUID(dump_only=True)
    number = ma.fields.String(dump_only=True)
    new_energy = ma.fields.Boolean(dump_only=True)
    holder_name = ma.fields.String(attribute="holder_name_masked", dump_only=True)
    frictionless = ma.fields.Boolean(dump_only=True)
    verified_at = ma.fields.DateTime(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


# --- sessions and payments ----------------------------------------------------------------------


class LotBriefSchema(ma.Schema):
    """The lot of a stay."""

    id = ma.fields.UUID(dump_only=True)
    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)


class SessionQuerySchema(PageArgsSchema):
    """My stays, optionally of one status."""

    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(SESSION_FILTERS))


class SessionSchema(ma.Schema):
    """One stay of one plate in one lot."""

    id = ma.fields.UUID(dump_only=True)
    lot = ma.fields.Nested(LotBriefSchema, dump_only=True)
    plate = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"description": " | ".join(SESSION_FILTERS)})
    entered_at = ma.fields.DateTime(dump_only=True)
    exited_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    minutes = ma.fields.Integer(dump_only=True, allow_none=True)
    fee = ma.fields.Nested(MoneySchema, dump_only=True)
    late_fee = ma.fields.Nested(
        MoneySchema, dump_only=True, metadata={"description": "Due today on an unpaid stay, or as paid"}
    )
    late_fee_from = ma.fields.Date(
        dump_only=True, allow_none=True, metadata={"description": "First day of a late fee"}
    )
    amount_due = ma.fields.Nested(MoneySchema, dump_only=True, metadata={"description": "Fee and late fee"})
    late_fee_paused = ma.fields.Boolean(
        dump_only=True, metadata={"description": "Disputed and not yet answered: no late fee counts"}
    )
    frictionless = ma.fields.Boolean(dump_only=True, metadata={"description": "Charged at the gate"})
    payment_id = ma.fields.UUID(dump_only=True, allow_none=True)
    paid_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class SessionPaymentRequestSchema(StrictSchema):
    """Pay one unpaid stay."""

    session_id = ma.fields.UUID(required=True)


class FinePaymentRequestSchema(StrictSchema):
    """Pay one fine."""

    violation_id = ma.fields.UUID(required=True)


class ParkingPaymentSchema(ma.Schema):
    """The payment opened: complete it with ``client_action``; it stands at /payments/{id}."""

    id = ma.fields.UUID(dump_only=True)
    status = ma.fields.String(dump_only=True)
    amount = ma.fields.Nested(MoneySchema, dump_only=True)
    payee = ma.fields.Dict(dump_only=True)
    purpose = ma.fields.Dict(dump_only=True)
    client_action = ma.fields.Dict(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


# --- disputes -----------------------------------------------------------------------------------


class ParkingDisputeCreateSchema(StrictSchema):
    """Dispute a stay: what is wrong, in my words, and references of what shows it."""

    session_id = ma.fields.UUID(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in DisputeKind]))
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
    evidence = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=200)),
        load_default=list,
        validate=ma.validate.Length(max=5),
        metadata={"description": "References of photos or receipts (uploaded elsewhere), at most 5"},
    )


class _DisputeSchemaBase(ma.Schema):
    """What a stay's dispute and a violation's appeal both show: the resident's words, the answer."""

    id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(dump_only=True)
    kind_label = ma.fields.String(dump_only=True)
    description = ma.fields.String(dump_only=True)
    evidence = ma.fields.List(ma.fields.String(), dump_only=True)
    status = ma.fields.String(
        dump_only=True, metadata={"description": " | ".join(s.value for s in DisputeStatus)}
    )
    answer_due_at = ma.fields.DateTime(dump_only=True)
    answer = ma.fields.String(dump_only=True, allow_none=True)
    answered_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    complaint_tracking_number = ma.fields.String(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class ParkingDisputeSchema(_DisputeSchemaBase):
    """A dispute of a stay and the operator's answer."""

    session_id = ma.fields.UUID(dump_only=True)
    fee_before = ma.fields.Function(lambda d: _fee(d.fee_before_fen), dump_only=True)
    fee_after = ma.fields.Function(lambda d: _fee(d.fee_after_fen), dump_only=True, allow_none=True)
    refund_id = ma.fields.UUID(dump_only=True, allow_none=True)


class OperatorDisputeSchema(ParkingDisputeSchema):
    """A dispute as the operator reads it: the stay's plate and times too."""

    plate = ma.fields.Function(lambda d: d.session.plate, dump_only=True)
    lot_code = ma.fields.Function(lambda d: d.session.lot.code, dump_only=True)
    entered_at = ma.fields.Function(lambda d: d.session.entered_at.isoformat(), dump_only=True)
    exited_at = ma.fields.Function(
        lambda d: d.session.exited_at.isoformat() if d.session.exited_at else None, dump_only=True
    )


class OperatorDisputeQuerySchema(PageArgsSchema):
    """Disputes at my lots, optionally of one status."""

    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf([s.value for s in DisputeStatus]))


class ParkingDisputeAnswerSchema(StrictSchema):
    """Accept (with the fee the stay should cost, zero by default) or reject, with an explanation."""

    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(["accepted", "rejected"]))
    answer = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
    fee = ma.fields.Nested(MoneySchema, load_default=None)


class ParkingEscalateSchema(StrictSchema):
    """What I add when I take the dispute to 12345."""

    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


# --- operators ----------------------------------------------------------------------------------


class GateEventRequestSchema(StrictSchema):
    """One car passing a gate; ``event_id`` is the gate's own and makes a retry harmless."""

    event_id = ma.fields.String(
        required=True, validate=ma.validate.Regexp(EVENT_ID), metadata={"example": "gate-1-20261201-000123"}
    )
    lot_code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    direction = ma.fields.String(required=True, validate=ma.validate.OneOf([d.value for d in Direction]))
    plate = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=12))
    gate = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20))
    occurred_at = ma.fields.AwareDateTime(required=True)
    photo_ref = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200))
    city_code = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=2000),
        metadata={"description": "The city code a driver without a bound plate showed at the gate"},
    )


class GateEventSchema(ma.Schema):
    """What the gate does: open, and the stay and fee the event closed."""

    event_id = ma.fields.String(dump_only=True)
    direction = ma.fields.String(dump_only=True)
    plate = ma.fields.String(dump_only=True)
    outcome = ma.fields.String(
        dump_only=True, metadata={"description": "entered | exited | duplicate_exit | anomaly | matched_late"}
    )
    open_gate = ma.fields.Boolean(dump_only=True)
    session_id = ma.fields.UUID(dump_only=True, allow_none=True)
    session_status = ma.fields.String(dump_only=True, allow_none=True)
    anomaly_id = ma.fields.UUID(dump_only=True, allow_none=True)
    fee = ma.fields.Function(lambda event: _fee(event.fee_fen), dump_only=True, allow_none=True)
    charged = ma.fields.Boolean(dump_only=True, metadata={"description": "Charged by frictionless pay"})
    replayed = ma.fields.Boolean(dump_only=True)


class AnomalyQuerySchema(PageArgsSchema):
    """Anomalies at my lots, optionally of one status."""

    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf([s.value for s in AnomalyStatus]))


class AnomalySchema(ma.Schema):
    """Gate events that did not add up."""

    id = ma.fields.UUID(dump_only=True)
    lot_code = ma.fields.Function(lambda anomaly: anomaly.lot.code, dump_only=True)
    kind = ma.fields.String(dump_only=True, metadata={"description": "exit_without_entry | double_entry"})
    plate = ma.fields.String(dump_only=True)
    occurred_at = ma.fields.DateTime(dump_only=True)
    session_id = ma.fields.UUID(dump_only=True, allow_none=True)
    status = ma.fields.String(dump_only=True)
    resolution = ma.fields.String(dump_only=True, allow_none=True)
    note = ma.fields.String(dump_only=True, allow_none=True)
    resolved_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class AnomalyResolveSchema(StrictSchema):
    """Dismiss an anomaly, or give the entry time an exit lacked."""

    resolution = ma.fields.String(required=True, validate=ma.validate.OneOf(RESOLUTIONS))
    entered_at = ma.fields.AwareDateTime(load_default=None)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class ParkingPassCreateSchema(StrictSchema):
    """A monthly pass or resident permit for a plate at one of my lots."""

    lot_code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    plate = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=12))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in PassKind]))
    valid_from = ma.fields.Date(required=True)
    valid_until = ma.fields.Date(required=True)
    hours_start = ma.fields.String(load_default=None, validate=ma.validate.Regexp(HHMM))
    hours_end = ma.fields.String(load_default=None, validate=ma.validate.Regexp(HHMM))

    @ma.validates_schema
    def _both_hours(self, data, **kwargs):
        if (data.get("hours_start") is None) != (data.get("hours_end") is None):
            raise ma.ValidationError(gettext("Give both hours or neither."), "hours_end")


class ParkingPassSchema(ma.Schema):
    """A pass as issued."""

    id = ma.fields.UUID(dump_only=True)
    plate = ma.fields.String(dump_only=True)
    kind = ma.fields.String(dump_only=True)
    valid_from = ma.fields.Date(dump_only=True)
    valid_until = ma.fields.Date(dump_only=True)
    hours_start = ma.fields.String(dump_only=True, allow_none=True)
    hours_end = ma.fields.String(dump_only=True, allow_none=True)


# --- violations ---------------------------------------------------------------------------------


class ViolationFileSchema(StrictSchema):
    """A violation the police file against a plate; ``reference`` is theirs and makes a retry harmless."""

    reference = ma.fields.String(required=True, validate=ma.validate.Regexp(EVENT_ID))
    plate = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=12))
    occurred_at = ma.fields.AwareDateTime(required=True)
    place = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    offence_code = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^\d{4,5}$"))
    offence = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    fine = ma.fields.Nested(MoneySchema, required=True)
    points = ma.fields.Integer(load_default=0, strict=True, validate=Range(0, 12))

    @ma.validates("fine")
    def _fine(self, value: Money, **kwargs):
        if not 0 <= value.fen <= 10_000_000:
            raise ma.ValidationError(gettext("A fine is between 0 and 100,000 yuan."))


class ViolationQuerySchema(PageArgsSchema):
    """The violations of my plates, optionally of one status."""

    status = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf([s.value for s in ViolationStatus])
    )


class ViolationSchema(ma.Schema):
    """A traffic violation and its fine."""

    id = ma.fields.UUID(dump_only=True)
    reference = ma.fields.String(dump_only=True)
    plate = ma.fields.String(dump_only=True)
    occurred_at = ma.fields.DateTime(dump_only=True)
    place = ma.fields.String(dump_only=True)
    offence_code = ma.fields.String(dump_only=True)
    offence = ma.fields.String(dump_only=True)
    fine = ma.fields.Nested(MoneySchema, dump_only=True)
    points = ma.fields.Integer(dump_only=True)
    status = ma.fields.String(
        dump_only=True, metadata={"description": " | ".join(s.value for s in ViolationStatus)}
    )
    last_free_day = ma.fields.Date(dump_only=True, metadata={"description": "Pay by then: no late fee"})
    late_fee = ma.fields.Nested(
        MoneySchema, dump_only=True, metadata={"description": "3 % of the fine a day after, at most the fine"}
    )
    amount_due = ma.fields.Nested(MoneySchema, dump_only=True, metadata={"description": "Fine and late fee"})
    payment_id = ma.fields.UUID(dump_only=True, allow_none=True)
    paid_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class ViolationDisputeCreateSchema(StrictSchema):
    """Appeal a violation: why, in my words, and references of what shows it."""

    violation_id = ma.fields.UUID(required=True)
    kind = ma.fields.String(
        required=True, validate=ma.validate.OneOf([k.value for k in ViolationDisputeKind])
    )
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))
    evidence = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=200)),
        load_default=list,
        validate=ma.validate.Length(max=5),
        metadata={"description": "References of photos, dashcam clips or documents, at most 5"},
    )


class ViolationDisputeSchema(_DisputeSchemaBase):
    """An appeal of a violation and the police's decision."""

    violation_id = ma.fields.UUID(dump_only=True)
    reviewer = ma.fields.String(dump_only=True, allow_none=True)
    may_escalate = ma.fields.Boolean(
        dump_only=True, metadata={"description": "Rejected, or undecided past its deadline: may go to 12345"}
    )
    escalated_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class PoliceDisputeSchema(ViolationDisputeSchema):
    """An appeal as the police read it: the violation's reference, plate and fine too."""

    reference = ma.fields.Function(lambda d: d.violation.reference, dump_only=True)
    plate = ma.fields.Function(lambda d: d.violation.plate, dump_only=True)
    offence_code = ma.fields.Function(lambda d: d.violation.offence_code, dump_only=True)
    fine = ma.fields.Function(lambda d: _fee(d.violation.fine_fen), dump_only=True)


class PoliceDisputeQuerySchema(PageArgsSchema):
    """Appeals of my violations, optionally of one status."""

    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf([s.value for s in DisputeStatus]))


class PoliceReviewSchema(StrictSchema):
    """The decision on an appeal: accepted (the violation is withdrawn) or rejected, with reasons."""

    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(["accepted", "rejected"]))
    answer = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
    reviewer = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=60))
