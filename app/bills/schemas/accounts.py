"""Accounts (户号), their bindings and autopay, as the API shows and takes them."""

from __future__ import annotations

import marshmallow as ma

from app.bills.models import (
    MAX_AUTOPAY_DAYS,
    AccountStatus,
)
from app.bills.schemas.registry import BillerBriefSchema
from app.core.money import MoneySchema
from app.core.validation import Range, StrictSchema


class AutopaySchema(ma.Schema):
    """An account's autopay mandate."""

    limit = ma.fields.Nested(
        MoneySchema, dump_only=True, metadata={"description": "The most one bill may be"}
    )
    days_before_due = ma.fields.Integer(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class AutopayRequestSchema(StrictSchema):
    """Pay each new bill within ``limit`` automatically, ``days_before_due`` days before it is due."""

    limit = ma.fields.Nested(MoneySchema, required=True)
    days_before_due = ma.fields.Integer(load_default=3, strict=True, validate=Range(0, MAX_AUTOPAY_DAYS))


class AccountSchema(ma.Schema):
    """A bound account (户号) with one biller."""

    id = ma.fields.UUID(dump_only=True)
    biller = ma.fields.Nested(BillerBriefSchema, dump_only=True)
    account_number = ma.fields.String(dump_only=True)
    fields = ma.fields.Dict(
        attribute="extra_fields", dump_only=True, metadata={"description": "Other fields"}
    )
    holder_name = ma.fields.String(attribute="holder_name_masked", dump_only=True)
    alias = ma.fields.String(dump_only=True)
    status = ma.fields.String(
        dump_only=True, metadata={"description": " | ".join(status.value for status in AccountStatus)}
    )
    refusal_reason = ma.fields.String(dump_only=True, allow_none=True)
    confirmed_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    autopay = ma.fields.Nested(AutopaySchema, dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class AccountCreateSchema(StrictSchema):
    """Bind an account: the biller's declared fields (``account_number`` and any others) and the holder."""

    biller_id = ma.fields.UUID(required=True)
    fields = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(min=1, max=30)),
        values=ma.fields.String(validate=ma.validate.Length(max=64)),
        required=True,
        validate=ma.validate.Length(min=1, max=5),
        metadata={"description": 'Values of the biller\'s account_fields, e.g. {"account_number": "..."}'},
    )
    holder_name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=60),
        metadata={"description": "户名: the name the account is held in"},
    )
    alias = ma.fields.String(load_default="", validate=ma.validate.Length(max=30))


class BindingSchema(ma.Schema):
    """A binding waiting for the biller's answer, as the biller sees it."""

    id = ma.fields.UUID(dump_only=True)
    account_number = ma.fields.String(dump_only=True)
    fields = ma.fields.Dict(attribute="extra_fields", dump_only=True)
    holder_name = ma.fields.String(dump_only=True, metadata={"description": "As the resident gave it"})
    status = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class BindingDecisionSchema(StrictSchema):
    """The biller's answer to whether the resident holds this account."""

    confirmed = ma.fields.Boolean(required=True)
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
