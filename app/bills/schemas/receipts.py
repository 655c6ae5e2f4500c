"""E-receipts and their public verification."""

from __future__ import annotations

import marshmallow as ma

from app.bills.schemas.registry import BillerBriefSchema
from app.core.money import MoneySchema
from app.core.validation import StrictSchema


class ReceiptSchema(ma.Schema):
    """The e-receipt of a bill paid through Yimatong."""

    receipt_no = ma.fields.String(dump_only=True)
    verification_code = ma.fields.String(dump_only=True)
    bill_id = ma.fields.UUID(dump_only=True)
    payment_id = ma.fields.UUID(dump_only=True)
    biller = ma.fields.Nested(BillerBriefSchema, dump_only=True)
    amount = ma.fields.Nested(MoneySchema, dump_only=True)
    refunded = ma.fields.Nested(MoneySchema, dump_only=True)
    period = ma.fields.String(dump_only=True)
    account = ma.fields.String(attribute="account_masked", dump_only=True)
    paid_at = ma.fields.DateTime(dump_only=True)
    status = ma.fields.String(dump_only=True)


class ReceiptVerificationSchema(ma.Schema):
    """What anyone holding the code may learn: no name, no full account number, no payer."""

    receipt_no = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"description": "valid | partly_refunded | voided"})
    biller = ma.fields.String(attribute="biller.name", dump_only=True)
    amount = ma.fields.Nested(MoneySchema, dump_only=True)
    refunded = ma.fields.Nested(MoneySchema, dump_only=True)
    paid_on = ma.fields.Date(dump_only=True)
    period = ma.fields.String(dump_only=True)
    account = ma.fields.String(attribute="account_masked", dump_only=True)


class VerifyQuerySchema(StrictSchema):
    """The code printed on the receipt."""

    code = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=40), metadata={"example": "ABCD-1234-EFGH-5678"}
    )
