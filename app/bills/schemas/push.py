"""What billers push (bills, item by item) and what they are answered."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext

from app.bills.models import (
    MAX_PUSH,
)
from app.bills.schemas.bills import LineItemSchema
from app.core.money import MoneySchema
from app.core.validation import StrictSchema

BILL_NO_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


PERIOD_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2]))?(/\d{4}(-(0[1-9]|1[0-2]))?)?$"


class BillPushItemSchema(StrictSchema):
    """One bill a biller pushes; the same bill number again updates it while unpaid."""

    bill_no = ma.fields.String(required=True, validate=ma.validate.Regexp(BILL_NO_PATTERN))
    account_number = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    period = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(PERIOD_PATTERN),
        metadata={"description": "2026-10, 2026, or a range such as 2026-11/2027-03"},
    )
    amount = ma.fields.Nested(MoneySchema, required=True)
    due_date = ma.fields.Date(required=True)
    line_items = ma.fields.List(
        ma.fields.Nested(LineItemSchema), load_default=list, validate=ma.validate.Length(max=50)
    )

    @ma.validates_schema
    def _amounts_add_up(self, data, **kwargs):
        amount = data.get("amount")
        if amount is None:
            return
        if amount.fen <= 0:
            raise ma.ValidationError(gettext("An amount must be a positive number of fen."), "amount")
        items = data.get("line_items") or []
        if items and sum(item["amount_fen"] for item in items) != amount.fen:
            raise ma.ValidationError(gettext("The line items must add up to the amount."), "line_items")


class ItemByItem(ma.fields.List):
    """A list whose items are validated one at a time, so one bad item is refused alone."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise self.make_error("invalid")
        return list(value)


class BillPushSchema(StrictSchema):
    """Up to 500 bills; each is accepted or refused with a reason on its own."""

    bills = ItemByItem(
        ma.fields.Nested(BillPushItemSchema),
        required=True,
        validate=ma.validate.Length(min=1, max=MAX_PUSH),
    )


def load_push_items(raw_items: list) -> tuple[list[dict], dict[int, dict]]:
    """Validate each pushed bill; returns the good ones (with their index) and each bad one's messages."""
    items, errors = [], {}
    schema = BillPushItemSchema()
    for index, raw in enumerate(raw_items):
        if not isinstance(raw, dict):
            errors[index] = {"_schema": [gettext("Each bill is an object.")]}
            continue
        try:
            items.append({"index": index, **schema.load(raw)})
        except ma.ValidationError as error:
            errors[index] = error.normalized_messages()
    return items, errors


class PushAcceptedSchema(ma.Schema):
    """A bill taken: created, updated, or unchanged (the same again)."""

    index = ma.fields.Integer(dump_only=True)
    bill_no = ma.fields.String(dump_only=True)
    bill_id = ma.fields.UUID(dump_only=True)
    result = ma.fields.String(dump_only=True, metadata={"description": "created | updated | unchanged"})


class PushRefusedSchema(ma.Schema):
    """A bill refused, and why."""

    index = ma.fields.Integer(dump_only=True)
    bill_no = ma.fields.String(dump_only=True, allow_none=True)
    code = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "validation-failed | account-not-bound | bill-settled | payment-in-progress | "
            "account-mismatch | duplicate-in-request"
        },
    )
    reason = ma.fields.String(dump_only=True)
    errors = ma.fields.Dict(dump_only=True, allow_none=True)


class PushResultSchema(ma.Schema):
    """What a bulk push did."""

    accepted = ma.fields.List(ma.fields.Nested(PushAcceptedSchema), dump_only=True)
    refused = ma.fields.List(ma.fields.Nested(PushRefusedSchema), dump_only=True)


class BillerBillSchema(ma.Schema):
    """A bill as its biller sees it."""

    id = ma.fields.UUID(dump_only=True)
    bill_no = ma.fields.String(dump_only=True)
    account_number = ma.fields.String(dump_only=True)
    period = ma.fields.String(dump_only=True)
    amount = ma.fields.Nested(MoneySchema, dump_only=True)
    due_date = ma.fields.Date(dump_only=True)
    status = ma.fields.String(dump_only=True)
    paid_via = ma.fields.String(dump_only=True, allow_none=True)
    paid_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    payment_id = ma.fields.UUID(dump_only=True, allow_none=True)
    paid_elsewhere_note = ma.fields.String(dump_only=True, allow_none=True)
    cancelled_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    line_items = ma.fields.List(ma.fields.Nested(LineItemSchema), dump_only=True)


class PaidElsewhereSchema(StrictSchema):
    """Where and when the bill was paid outside Yimatong."""

    paid_at = ma.fields.AwareDateTime(load_default=None, metadata={"description": "Now when omitted"})
    note = ma.fields.String(
        load_default="", validate=ma.validate.Length(max=120), metadata={"example": "营业厅"}
    )
