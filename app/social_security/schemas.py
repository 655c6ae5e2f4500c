"""How records, summaries, statements and certificates appear; what residents and institutions send."""

from __future__ import annotations

import marshmallow as ma

from app.core.money import MoneySchema
from app.core.pagination import PageArgsSchema
from app.core.validation import Range, StrictSchema
from app.social_security.models import CertificateKind, RecordKind, Scheme
from app.social_security.records_schema import MAX_PUSH, load_record

FIRST_YEAR, LAST_YEAR = 1990, 2100

SCHEMES = [s.value for s in Scheme]
KINDS = [k.value for k in RecordKind]


def _money(**kwargs) -> ma.fields.Nested:
    return ma.fields.Nested(MoneySchema, dump_only=True, allow_none=True, **kwargs)


# --- records ----------------------------------------------------------------------------------------


class RecordDetailsSchema(ma.Schema):
    """What some kinds of record add."""

    purpose = ma.fields.String(dump_only=True)
    term_months = ma.fields.Integer(dump_only=True)
    monthly_fen = ma.fields.Integer(dump_only=True)


class RecordSchema(ma.Schema):
    """One record as the institution holds it now."""

    id = ma.fields.UUID(dump_only=True)
    record_id = ma.fields.String(
        attribute="record_no", dump_only=True, metadata={"description": "The institution's id"}
    )
    source = ma.fields.String(dump_only=True, metadata={"description": "social_security | housing_fund"})
    kind = ma.fields.String(dump_only=True, metadata={"description": " | ".join(KINDS)})
    kind_label = ma.fields.String(dump_only=True)
    scheme = ma.fields.String(dump_only=True, metadata={"description": " | ".join(SCHEMES)})
    scheme_label = ma.fields.String(dump_only=True)
    period = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": "contribution: 2026-10"}
    )
    date = ma.fields.Date(attribute="occurred_on", dump_only=True)
    status = ma.fields.String(dump_only=True, allow_none=True)
    status_label = ma.fields.String(dump_only=True, allow_none=True)
    entry_type = ma.fields.String(dump_only=True, allow_none=True)
    entry_label = ma.fields.String(dump_only=True, allow_none=True)
    base = _money()
    employer_part = _money()
    personal_part = _money()
    amount = _money(
        metadata={"description": "contribution total; account entry (+ in, - out); loan principal"}
    )
    balance = _money(metadata={"description": "account balance after the entry; what a loan still owes"})
    employer_code = ma.fields.String(dump_only=True, allow_none=True)
    employer_name = ma.fields.String(dump_only=True, allow_none=True)
    details = ma.fields.Nested(RecordDetailsSchema, dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    current = ma.fields.Boolean(attribute="is_current", dump_only=True)
    as_of = ma.fields.DateTime(dump_only=True)
    received_at = ma.fields.DateTime(dump_only=True)


class RecordVersionSchema(RecordSchema):
    """One version of a record; a correction supersedes the one before."""

    superseded_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class RecordDetailSchema(RecordSchema):
    """A record with every version the institution sent, newest first."""

    versions = ma.fields.List(ma.fields.Nested(RecordVersionSchema), dump_only=True)


class HistoryQuerySchema(PageArgsSchema):
    """Filter my records."""

    year = ma.fields.Integer(load_default=None, validate=Range(FIRST_YEAR, LAST_YEAR))
    scheme = ma.fields.String(load_default=None, validate=ma.validate.OneOf(SCHEMES))
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(KINDS))


# --- the summary and statements ---------------------------------------------------------------------


class SchemeSummarySchema(ma.Schema):
    """Where I stand in one scheme."""

    scheme = ma.fields.String(dump_only=True)
    scheme_label = ma.fields.String(dump_only=True)
    status = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": "active | suspended | terminated"}
    )
    status_label = ma.fields.String(dump_only=True, allow_none=True)
    status_since = ma.fields.Date(dump_only=True, allow_none=True)
    months_paid = ma.fields.Integer(dump_only=True)
    continuous_months = ma.fields.Integer(
        dump_only=True, metadata={"description": "Up to the last month paid"}
    )
    first_month = ma.fields.String(dump_only=True, allow_none=True)
    last_month = ma.fields.String(dump_only=True, allow_none=True)
    last_base = _money()
    last_employer_part = _money()
    last_personal_part = _money()
    employer_code = ma.fields.String(dump_only=True, allow_none=True)
    employer_name = ma.fields.String(dump_only=True, allow_none=True)
    as_of = ma.fields.DateTime(dump_only=True, allow_none=True)


class AccountSummarySchema(ma.Schema):
    """A personal account's balance."""

    scheme = ma.fields.String(dump_only=True)
    scheme_label = ma.fields.String(dump_only=True)
    balance = _money()
    last_entry_on = ma.fields.Date(dump_only=True)
    as_of = ma.fields.DateTime(dump_only=True)


class SummarySchema(ma.Schema):
    """My social insurance and housing fund at a glance."""

    name = ma.fields.String(dump_only=True, metadata={"description": "Masked"})
    national_id = ma.fields.String(dump_only=True, metadata={"description": "Masked"})
    schemes = ma.fields.List(ma.fields.Nested(SchemeSummarySchema), dump_only=True)
    accounts = ma.fields.List(ma.fields.Nested(AccountSummarySchema), dump_only=True)
    loans = ma.fields.List(ma.fields.Nested(RecordSchema), dump_only=True)
    as_of = ma.fields.DateTime(dump_only=True, allow_none=True)


class StaffSummaryQuerySchema(StrictSchema):
    """Why staff look (written to the resident's access log)."""

    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=4, max=200))


class MonthSchema(ma.Schema):
    """One month's contribution in a statement."""

    period = ma.fields.String(dump_only=True)
    base = _money()
    employer_part = _money()
    personal_part = _money()
    employer_name = ma.fields.String(dump_only=True, allow_none=True)


class SchemeYearSchema(ma.Schema):
    """One scheme's year."""

    scheme = ma.fields.String(dump_only=True)
    scheme_label = ma.fields.String(dump_only=True)
    months = ma.fields.Integer(dump_only=True)
    employer_total = _money()
    personal_total = _money()
    total = _money()
    monthly = ma.fields.List(ma.fields.Nested(MonthSchema), dump_only=True)


class AccountYearSchema(ma.Schema):
    """One personal account's year."""

    scheme = ma.fields.String(dump_only=True)
    scheme_label = ma.fields.String(dump_only=True)
    entries = ma.fields.Integer(dump_only=True)
    money_in = _money()
    money_out = _money()
    opening = _money()
    closing = _money()
    balanced = ma.fields.Boolean(dump_only=True, metadata={"description": "opening + in - out == closing"})


class StatementSchema(ma.Schema):
    """My yearly statement (年度对账单)."""

    year = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(dump_only=True)
    schemes = ma.fields.List(ma.fields.Nested(SchemeYearSchema), dump_only=True)
    accounts = ma.fields.List(ma.fields.Nested(AccountYearSchema), dump_only=True)
    contributions_total = _money()
    generated_on = ma.fields.Date(dump_only=True)


class RefreshSchema(ma.Schema):
    """What asking an institution did."""

    source = ma.fields.String(dump_only=True)
    state = ma.fields.String(
        dump_only=True, metadata={"description": "requested (they will push) | delivered"}
    )
    records = ma.fields.Integer(dump_only=True)


# --- certificates -----------------------------------------------------------------------------------


class CertificateRequestSchema(StrictSchema):
    """Which certificate, over how many months up to this one."""

    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf([k.value for k in CertificateKind]),
        metadata={"description": "contribution (参保证明) | housing_fund (缴存证明)"},
    )
    months = ma.fields.Integer(load_default=12, strict=True, validate=Range(1, 120))


class CertificateSchema(ma.Schema):
    """A certificate issued to me; its PDF is at ``/social-security/certificates/{id}/pdf``."""

    id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(dump_only=True)
    kind_label = ma.fields.String(dump_only=True)
    code = ma.fields.String(dump_only=True, metadata={"description": "The verification code, as printed"})
    issued_at = ma.fields.DateTime(dump_only=True)
    valid_until = ma.fields.Date(dump_only=True)
    facts = ma.fields.Dict(dump_only=True)


class CertificateViewSchema(CertificateSchema):
    """A certificate with where it stands today."""

    status = ma.fields.String(dump_only=True, metadata={"description": "valid | expired"})


class VerificationSchema(ma.Schema):
    """What anyone holding the code learns: the masked name and ID and what the certificate states."""

    kind = ma.fields.String(dump_only=True)
    kind_label = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"description": "valid | expired"})
    issued_at = ma.fields.DateTime(dump_only=True)
    valid_until = ma.fields.Date(dump_only=True)
    name = ma.fields.String(attribute="facts.name", dump_only=True)
    national_id = ma.fields.String(attribute="facts.national_id", dump_only=True)
    facts = ma.fields.Dict(dump_only=True)


class CertificateVerifyQuerySchema(StrictSchema):
    """The code printed on the certificate."""

    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))


# --- institutions -----------------------------------------------------------------------------------


class ItemByItem(ma.fields.List):
    """A list whose items are validated one at a time, so one bad item is refused alone."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise self.make_error("invalid")
        return list(value)


class RecordPushSchema(StrictSchema):
    """Up to 1,000 records; each is accepted or refused on its own."""

    records = ItemByItem(ma.fields.Dict(), required=True, validate=ma.validate.Length(min=1, max=MAX_PUSH))


def load_push_items(raw_items: list) -> tuple[list[dict], list[tuple[int, str | None, dict]]]:
    """The valid records (with their index) and each invalid one's index, id and messages."""
    items, invalid = [], []
    for index, raw in enumerate(raw_items):
        record, errors = load_record(raw)
        if record is None:
            record_no = raw.get("record_id") if isinstance(raw, dict) else None
            invalid.append((index, record_no if isinstance(record_no, str) else None, errors))
        else:
            items.append({"index": index, **record})
    return items, invalid


class RecordPushAcceptedSchema(ma.Schema):
    """A record taken."""

    index = ma.fields.Integer(dump_only=True)
    record_id = ma.fields.String(dump_only=True)
    id = ma.fields.UUID(dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    result = ma.fields.String(dump_only=True, metadata={"description": "created | corrected | unchanged"})


class RecordPushRefusedSchema(ma.Schema):
    """A record refused, and why."""

    index = ma.fields.Integer(dump_only=True)
    record_id = ma.fields.String(dump_only=True, allow_none=True)
    code = ma.fields.String(
        dump_only=True,
        metadata={"description": "validation-failed | wrong-institution | duplicate-in-batch | stale"},
    )
    reason = ma.fields.String(dump_only=True)
    errors = ma.fields.Dict(dump_only=True, allow_none=True)


class RecordPushResultSchema(ma.Schema):
    """What a push did."""

    accepted = ma.fields.List(ma.fields.Nested(RecordPushAcceptedSchema), dump_only=True)
    refused = ma.fields.List(ma.fields.Nested(RecordPushRefusedSchema), dump_only=True)


class InstitutionRecordSchema(RecordDetailSchema):
    """A record as the institution that sent it reads it back."""

    insured_ref = ma.fields.UUID(attribute="insured_id", dump_only=True)


class InsuredSchema(ma.Schema):
    """Who a refresh request is about (to the institution that holds their records)."""

    insured_ref = ma.fields.UUID(attribute="id", dump_only=True)
    national_id = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
