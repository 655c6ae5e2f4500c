"""Taps, trips and fares as scanners and riders send and see them."""

from __future__ import annotations

import marshmallow as ma

from app.core.money import MoneySchema
from app.core.pagination import PageArgsSchema
from app.core.validation import StrictSchema
from app.transit.models import DisputeKind, DisputeStatus, TapKind, TripStatus

TAP_ID = ma.validate.Regexp(r"^[A-Za-z0-9._:-]{1,64}$")
GATE_CODE = ma.validate.Regexp(r"^[A-Za-z0-9._-]{1,30}$")


class TapCreateSchema(StrictSchema):
    """One tap read online: the gate, the scanner's own tap id (a retry sends the same), the code."""

    gate = ma.fields.String(required=True, validate=GATE_CODE)
    tap_id = ma.fields.String(required=True, validate=TAP_ID)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in TapKind]))
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2048))


class OfflineTapSchema(TapCreateSchema):
    """One tap an offline gate read, with when it read it."""

    tapped_at = ma.fields.AwareDateTime(required=True)


class TapBatchSchema(StrictSchema):
    """An offline gate's taps, uploaded once it is back online (each taken once by tap id)."""

    taps = ma.fields.List(
        ma.fields.Nested(OfflineTapSchema), required=True, validate=ma.validate.Length(min=1, max=500)
    )


class TapResultSchema(ma.Schema):
    """What the gate does: open (accepted) or not, and why not, in the reader's language."""

    tap_id = ma.fields.String(dump_only=True)
    outcome = ma.fields.String(dump_only=True, metadata={"description": "accepted | refused | flagged"})
    reason = ma.fields.String(dump_only=True, allow_none=True)
    tapped_at = ma.fields.DateTime(dump_only=True)
    offline = ma.fields.Boolean(dump_only=True)
    new = ma.fields.Boolean(dump_only=True, metadata={"description": "false: this tap id was already held"})


class TapBatchResultSchema(ma.Schema):
    """Each tap of the batch, and how many were new."""

    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), dump_only=True)
    taps = ma.fields.List(ma.fields.Nested(TapResultSchema), dump_only=True)


class StationSchema(ma.Schema):
    """A station, in the reader's language."""

    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)


class LineSchema(ma.Schema):
    """A bus or metro line."""

    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    mode = ma.fields.String(dump_only=True, metadata={"description": "bus | metro"})


class TripTapSchema(ma.Schema):
    """A tap of the trip, as the rider sees it."""

    kind = ma.fields.String(dump_only=True)
    tapped_at = ma.fields.DateTime(dump_only=True)
    offline = ma.fields.Boolean(dump_only=True)


class TripSchema(ma.Schema):
    """A trip, its fare and how it is paid."""

    id = ma.fields.UUID(dump_only=True)
    business_date = ma.fields.Date(dump_only=True)
    line = ma.fields.Nested(LineSchema, dump_only=True)
    entry_station = ma.fields.Nested(StationSchema, dump_only=True, allow_none=True)
    exit_station = ma.fields.Nested(StationSchema, dump_only=True, allow_none=True)
    started_at = ma.fields.DateTime(dump_only=True)
    ended_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    status = ma.fields.String(dump_only=True, metadata={"description": "open | complete | incomplete"})
    distance_km = ma.fields.Float(dump_only=True, allow_none=True)
    base = ma.fields.Nested(MoneySchema, dump_only=True, metadata={"description": "The full fare"})
    fare = ma.fields.Nested(MoneySchema, dump_only=True, metadata={"description": "What the trip costs"})
    transfer = ma.fields.Boolean(dump_only=True)
    concession = ma.fields.String(dump_only=True, allow_none=True)
    capped = ma.fields.Boolean(dump_only=True)
    payment_state = ma.fields.String(
        dump_only=True, metadata={"description": "pending | charging | paid | unpaid | free"}
    )
    payment_id = ma.fields.UUID(dump_only=True, allow_none=True)


class TripDetailSchema(TripSchema):
    """A trip with the taps it was formed from."""

    taps = ma.fields.List(ma.fields.Nested(TripTapSchema), dump_only=True)


class TripQuerySchema(PageArgsSchema):
    """Filter my trips by status."""

    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf([s.value for s in TripStatus]))


class FarePaymentSchema(ma.Schema):
    """The charge opened for unpaid trips: pay it with ``client_action``; it stands at /payments/{id}."""

    id = ma.fields.UUID(dump_only=True)
    status = ma.fields.String(dump_only=True)
    amount = ma.fields.Nested(MoneySchema, dump_only=True)
    purpose = ma.fields.Dict(dump_only=True)
    client_action = ma.fields.Dict(dump_only=True, allow_none=True)


class BandSchema(ma.Schema):
    """A metro fare up to a distance."""

    up_to_km = ma.fields.Float(dump_only=True)
    fen = ma.fields.Integer(dump_only=True)


class FareTableSchema(ma.Schema):
    """The fare rule's numbers (all in fen)."""

    bus_flat_fen = ma.fields.Integer(dump_only=True)
    metro_bands = ma.fields.List(ma.fields.Nested(BandSchema), dump_only=True)
    metro_step_km = ma.fields.Float(dump_only=True)
    metro_step_fen = ma.fields.Integer(dump_only=True)
    metro_max_fen = ma.fields.Integer(dump_only=True)
    transfer_window_minutes = ma.fields.Method("_window", dump_only=True)
    transfer_discount_fen = ma.fields.Integer(dump_only=True)
    daily_cap_fen = ma.fields.Integer(dump_only=True)
    elder_age = ma.fields.Integer(dump_only=True)
    concession_percent = ma.fields.Dict(dump_only=True, metadata={"description": "kind -> mode -> % paid"})

    def _window(self, table) -> int:
        return int(table.transfer_window.total_seconds() // 60)


class StudentAttestationSchema(StrictSchema):
    """A school attests a resident (by phone) as a student between two days, inclusive."""

    phone = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^\+[1-9][0-9]{6,14}$"))
    valid_from = ma.fields.Date(required=True)
    valid_until = ma.fields.Date(required=True)
    reference = ma.fields.String(load_default="", validate=ma.validate.Length(max=40))


class ConcessionSchema(ma.Schema):
    """A school's attestation of a student."""

    id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(dump_only=True)
    valid_from = ma.fields.Date(dump_only=True)
    valid_until = ma.fields.Date(dump_only=True)
    reference = ma.fields.String(dump_only=True)


class MyConcessionsSchema(ma.Schema):
    """The concession I ride on today, and the attestations behind it."""

    today = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": "elder | student | null (the full fare)"}
    )
    attestations = ma.fields.List(ma.fields.Nested(ConcessionSchema), dump_only=True)


class FareDisputeCreateSchema(StrictSchema):
    """What is wrong with a paid trip's fare."""

    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in DisputeKind]))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    exit_station = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Regexp(r"^[A-Za-z0-9]{1,20}$")
    )


class FareDisputeSchema(ma.Schema):
    """A fare dispute and its decision."""

    id = ma.fields.UUID(dump_only=True)
    trip = ma.fields.Nested(TripSchema, dump_only=True)
    kind = ma.fields.String(dump_only=True)
    kind_label = ma.fields.String(dump_only=True)
    description = ma.fields.String(dump_only=True)
    exit_station_code = ma.fields.String(dump_only=True, allow_none=True)
    status = ma.fields.String(
        dump_only=True, metadata={"description": "open | accepted | rejected | escalated (went to 12345)"}
    )
    fare = ma.fields.Nested(MoneySchema, dump_only=True)
    refund = ma.fields.Nested(MoneySchema, dump_only=True)
    refund_id = ma.fields.UUID(dump_only=True, allow_none=True)
    answer = ma.fields.String(dump_only=True)
    decided_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    may_escalate = ma.fields.Boolean(dump_only=True, metadata={"description": "Rejected: may go to 12345"})
    escalated_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    complaint_tracking_number = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": "The 12345 complaint it became"}
    )


class FareDisputeEscalateSchema(StrictSchema):
    """What the rider adds when taking a rejected fare dispute to 12345."""

    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class FareDisputeQuerySchema(PageArgsSchema):
    """The clearing house's queue, by status."""

    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf([s.value for s in DisputeStatus]))


class FareDisputeDecisionSchema(StrictSchema):
    """Uphold (with the refund, the whole fare unless given) or reject, with the answer the rider reads."""

    accepted = ma.fields.Boolean(required=True)
    answer = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
    refund = ma.fields.Nested(MoneySchema, load_default=None, allow_none=True)
