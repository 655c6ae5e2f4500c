"""How billers, accounts, bills, receipts and disputes appear to residents, to billers and to the public."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import get_locale, gettext

from app.bills.models import (
    BILL_FILTERS,
    MAX_AUTOPAY_DAYS,
    MAX_BILLS_PER_PAYMENT,
    MAX_PUSH,
    AccountStatus,
    BillerCategory,
    BillStatus,
    Confirmation,
    DisputeKind,
    DisputeStatus,
    PaymentMode,
)
from app.core.money import MAX_FEN, MoneySchema
from app.core.pagination import PageArgsSchema
from app.core.validation import Range, StrictSchema

CATEGORIES = [category.value for category in BillerCategory]
BILL_NO_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
PERIOD_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2]))?(/\d{4}(-(0[1-9]|1[0-2]))?)?$"
CITY_CODE_PATTERN = r"^\d{6}$"


def _locale() -> str:
    return str(get_locale() or "zh_Hans")


# --- the registry -----------------------------------------------------------------------------


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


# --- accounts ---------------------------------------------------------------------------------


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


# --- bills ------------------------------------------------------------------------------------


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


# --- receipts ---------------------------------------------------------------------------------


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


# --- disputes ---------------------------------------------------------------------------------

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
