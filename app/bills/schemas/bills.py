"""Bills and paying them, as residents see and ask."""

from __future__ import annotations

import marshmallow as ma

from app.bills.models import (
    BILL_FILTERS,
    MAX_BILLS_PER_PAYMENT,
    BillStatus,
)
from app.bills.schemas.registry import BillerBriefSchema
from app.core.money import MAX_FEN, MoneySchema
from app.core.pagination import PageArgsSchema
from app.core.validation import Range, StrictSchema


class LineItemSchema(StrictSchema):
    """One line of a bill."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    amount_fen = ma.fields.Integer(
        required=True,
        strict=True,
        validate=Range(-MAX_FEN, MAX_FEN),
        metadata={"description": "Whole fen; negative for a discount"},
    )
    quantity = ma.fields.String(
        load_default=None, validate=ma.validate.Regexp(r"^\d{1,9}(\.\d{1,3})?$"), metadata={"example": "12.5"}
    )
    unit = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=10))

    @ma.post_load
    def _compact(self, data, **kwargs):
        return {key: value for key, value in data.items() if value is not None}


class BillPaymentBriefSchema(ma.Schema):
    """The payment holding a bill now."""

    id = ma.fields.UUID(dump_only=True)
    status = ma.fields.String(dump_only=True)


class BillSchema(ma.Schema):
    """A bill of one of my accounts."""

    id = ma.fields.UUID(dump_only=True)
    bill_no = ma.fields.String(dump_only=True)
    biller = ma.fields.Nested(BillerBriefSchema, dump_only=True)
    account_number = ma.fields.String(dump_only=True)
    period = ma.fields.String(dump_only=True)
    amount = ma.fields.Nested(MoneySchema, dump_only=True)
    due_date = ma.fields.Date(dump_only=True)
    overdue = ma.fields.Boolean(dump_only=True)
    status = ma.fields.String(
        dump_only=True, metadata={"description": " | ".join(status.value for status in BillStatus)}
    )
    paid_via = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": "yimatong | elsewhere"}
    )
    paid_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    payment_id = ma.fields.UUID(dump_only=True, allow_none=True)
    autopay_state = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": "attempted | over_limit (pay it by hand)"}
    )
    line_items = ma.fields.List(ma.fields.Nested(LineItemSchema), dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class BillDetailSchema(BillSchema):
    """A bill with the payment that holds it now, if any."""

    payment = ma.fields.Nested(BillPaymentBriefSchema, dump_only=True, allow_none=True)


class BillQuerySchema(PageArgsSchema):
    """Filter my bills."""

    status = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf(BILL_FILTERS),
        metadata={"description": "unpaid | overdue (unpaid past its due date) | paid | cancelled"},
    )
    account_id = ma.fields.UUID(load_default=None)


class BillPaymentSchema(ma.Schema):
    """The payment opened for the bills: pay it with ``client_action``; it stands at /payments/{id}."""

    id = ma.fields.UUID(dump_only=True)
    status = ma.fields.String(dump_only=True)
    amount = ma.fields.Nested(MoneySchema, dump_only=True)
    payee = ma.fields.Dict(dump_only=True, metadata={"description": "kind and id of who is paid"})
    purpose = ma.fields.Dict(
        dump_only=True, metadata={"description": "domain, the bills' ids, a description in your language"}
    )
    client_action = ma.fields.Dict(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "What the app needs to let the payer complete the payment with the provider"
        },
    )
    created_at = ma.fields.DateTime(dump_only=True)


class BillPaymentRequestSchema(StrictSchema):
    """Pay bills of one biller in one payment."""

    bill_ids = ma.fields.List(
        ma.fields.UUID(),
        required=True,
        validate=ma.validate.Length(min=1, max=MAX_BILLS_PER_PAYMENT),
        metadata={"description": "Bills of ONE biller (bills of several billers are paid separately)"},
    )
