"""The biller registry as the API shows and takes it."""

from __future__ import annotations

import marshmallow as ma

from app.bills.models import (
    BillerCategory,
    Confirmation,
    PaymentMode,
)
from app.bills.schemas._shared import _locale
from app.core.validation import StrictSchema

CATEGORIES = [category.value for category in BillerCategory]


CITY_CODE_PATTERN = r"^\d{6}$"


class LabelSchema(StrictSchema):
    """A field's label in each language."""

    zh_hans = ma.fields.String(data_key="zh_Hans", required=True, validate=ma.validate.Length(min=1, max=40))
    zh_hant = ma.fields.String(data_key="zh_Hant", required=True, validate=ma.validate.Length(min=1, max=40))
    en = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))

    @ma.post_load
    def _by_locale(self, data, **kwargs):
        return {"zh_Hans": data["zh_hans"], "zh_Hant": data["zh_hant"], "en": data["en"]}


class AccountFieldSchema(StrictSchema):
    """A field that identifies an account with this biller (every biller declares ``account_number``)."""

    name = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[a-z][a-z0-9_]{0,29}$"))
    label = ma.fields.Method("_label", deserialize="_load_label", required=True)
    pattern = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=200),
        metadata={"description": "Regular expression the whole value must match"},
    )
    example = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    required = ma.fields.Boolean(load_default=True)

    def _label(self, spec) -> str:
        labels = spec["label"]
        return labels.get(_locale()) or labels["zh_Hans"]

    def _load_label(self, value):
        return LabelSchema().load(value)


class BillerBriefSchema(ma.Schema):
    """Which biller."""

    id = ma.fields.UUID(dump_only=True)
    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    category = ma.fields.String(dump_only=True, metadata={"description": " | ".join(CATEGORIES)})


class BillerSchema(BillerBriefSchema):
    """A biller in the registry: what it charges for, where, and how its accounts are identified."""

    category_label = ma.fields.String(dump_only=True)
    city_code = ma.fields.String(dump_only=True, metadata={"description": "行政区划代码 of the city served"})
    account_fields = ma.fields.List(ma.fields.Nested(AccountFieldSchema), dump_only=True)
    supports_fetch = ma.fields.Boolean(
        dump_only=True, metadata={"description": "Whether a resident can ask for the current bill on demand"}
    )
    payment_modes = ma.fields.List(
        ma.fields.String(), dump_only=True, metadata={"description": "app (pay by hand) | autopay"}
    )


class StaffBillerSchema(BillerSchema):
    """A biller as administrators manage it."""

    client_id = ma.fields.String(dump_only=True)
    names = ma.fields.Dict(dump_only=True)
    department_code = ma.fields.String(dump_only=True, allow_none=True)
    confirms_by = ma.fields.String(dump_only=True)
    active = ma.fields.Boolean(dump_only=True)


class BillerQuerySchema(StrictSchema):
    """Filter the registry."""

    category = ma.fields.String(load_default=None, validate=ma.validate.OneOf(CATEGORIES))
    city_code = ma.fields.String(load_default=None, validate=ma.validate.Regexp(CITY_CODE_PATTERN))


class BillerSaveSchema(StrictSchema):
    """Register or change a biller (administrators)."""

    client_id = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=64),
        metadata={"description": "The biller's institutional OAuth client (client credentials, bills:write)"},
    )
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(CATEGORIES))
    city_code = ma.fields.String(required=True, validate=ma.validate.Regexp(CITY_CODE_PATTERN))
    name_zh_hans = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    name_zh_hant = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    name_en = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    department_code = ma.fields.String(load_default=None, validate=ma.validate.Length(max=60))
    account_fields = ma.fields.List(
        ma.fields.Nested(AccountFieldSchema), required=True, validate=ma.validate.Length(min=1, max=5)
    )
    supports_fetch = ma.fields.Boolean(load_default=False)
    payment_modes = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf([mode.value for mode in PaymentMode])),
        required=True,
        validate=ma.validate.Length(min=1),
    )
    confirms_by = ma.fields.String(
        load_default=Confirmation.API,
        validate=ma.validate.OneOf([c.value for c in Confirmation]),
        metadata={"description": "api: the biller confirms bindings through its API; rule: the sandbox rule"},
    )
    active = ma.fields.Boolean(load_default=True)
