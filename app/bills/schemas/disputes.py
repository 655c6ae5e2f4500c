"""Disputes about a payment, for residents and for billers."""

from __future__ import annotations

import marshmallow as ma

from app.bills.models import (
    DisputeKind,
    DisputeStatus,
)
from app.bills.schemas.registry import BillerBriefSchema
from app.core.pagination import PageArgsSchema
from app.core.validation import StrictSchema

DISPUTE_KINDS = [kind.value for kind in DisputeKind]


DISPUTE_STATUSES = [status.value for status in DisputeStatus]


class DisputeCreateSchema(StrictSchema):
    """Dispute one of my bill payments."""

    payment_id = ma.fields.UUID(required=True)
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(DISPUTE_KINDS),
        metadata={"description": " | ".join(DISPUTE_KINDS)},
    )
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=5, max=500))


class DisputeSchema(ma.Schema):
    """A dispute about a bill payment."""

    id = ma.fields.UUID(dump_only=True)
    payment_id = ma.fields.UUID(dump_only=True)
    biller = ma.fields.Nested(BillerBriefSchema, dump_only=True)
    kind = ma.fields.String(dump_only=True)
    kind_label = ma.fields.String(dump_only=True)
    description = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"description": " | ".join(DISPUTE_STATUSES)})
    decision = ma.fields.String(dump_only=True, allow_none=True)
    answer = ma.fields.String(dump_only=True, allow_none=True)
    answer_due_at = ma.fields.DateTime(dump_only=True)
    answered_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    may_escalate = ma.fields.Boolean(dump_only=True)
    escalated_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    complaint_id = ma.fields.UUID(dump_only=True, allow_none=True)
    complaint_tracking_number = ma.fields.String(dump_only=True, allow_none=True)
    evidence = ma.fields.Dict(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class EscalateSchema(StrictSchema):
    """Take the dispute to 12345."""

    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    identity_visible = ma.fields.Boolean(
        load_default=True, metadata={"description": "May the handling department see who I am?"}
    )


class BillerDisputeSchema(ma.Schema):
    """A dispute as the biller sees it."""

    id = ma.fields.UUID(dump_only=True)
    payment_id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(dump_only=True)
    description = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)
    evidence = ma.fields.Dict(dump_only=True)
    answer_due_at = ma.fields.DateTime(dump_only=True)
    answer = ma.fields.String(dump_only=True, allow_none=True)
    answered_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class BillerDisputeQuerySchema(PageArgsSchema):
    """Filter the biller's disputes."""

    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(DISPUTE_STATUSES))


class DisputeAnswerSchema(StrictSchema):
    """The biller's answer."""

    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(["accepted", "rejected"]))
    answer = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
