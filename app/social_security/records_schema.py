"""One record as an institution sends it, over the API or in an import file: validated alone.

The same schema checks an item of ``POST /social-security/institution/records`` and a row of
``flask social-security import``, so a file is refused for exactly what the API would refuse.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import marshmallow as ma
from flask_babel import gettext

from app.core import clock, pii
from app.core.calendar import business_date
from app.core.money import MAX_FEN
from app.core.validation import CreditCode, NationalId, Range, StrictSchema
from app.social_security.models import (
    ACCOUNT_SCHEMES,
    EntryType,
    InsuredStatus,
    RecordKind,
    Scheme,
)

RECORD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$"
PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
MAX_PUSH = 1000  # records in one request
CLOCK_SKEW = timedelta(minutes=5)
FEN_FIELDS = ("base_fen", "employer_fen", "personal_fen", "amount_fen", "balance_fen", "monthly_fen")
INT_FIELDS = (*FEN_FIELDS, "term_months")
SIGNS = {  # the sign an entry's amount must have: +1 in, -1 out, 0 either
    EntryType.CREDIT: 1,
    EntryType.INTEREST: 1,
    EntryType.SPEND: -1,
    EntryType.WITHDRAWAL: -1,
    EntryType.TRANSFER: 0,
    EntryType.ADJUSTMENT: 0,
}
ENTRY_TYPES_OF = {
    Scheme.MEDICAL: (
        EntryType.CREDIT,
        EntryType.SPEND,
        EntryType.INTEREST,
        EntryType.TRANSFER,
        EntryType.ADJUSTMENT,
    ),
    Scheme.HOUSING_FUND: (
        EntryType.CREDIT,
        EntryType.INTEREST,
        EntryType.WITHDRAWAL,
        EntryType.TRANSFER,
        EntryType.ADJUSTMENT,
    ),
}


@functools.lru_cache(maxsize=65_536)
def _national_id(value: str) -> str:
    return pii.normalize_national_id(value)


@functools.lru_cache(maxsize=16_384)
def _credit_code(value: str) -> str:
    return pii.normalize_credit_code(value)


class KnownNationalId(NationalId):
    """A national ID, each distinct number checked once per process (imports name the same people often)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = ma.fields.String._deserialize(self, value, attr, data, **kwargs)
        try:
            return _national_id(text)
        except pii.InvalidPII as exc:
            raise ma.ValidationError(gettext("Not a valid national ID number.")) from exc


class KnownCreditCode(CreditCode):
    """A unified social credit code, each distinct code checked once per process."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = ma.fields.String._deserialize(self, value, attr, data, **kwargs)
        try:
            return _credit_code(text)
        except pii.InvalidPII as exc:
            raise ma.ValidationError(gettext("Not a valid unified social credit code.")) from exc


def _fen(**kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=Range(-MAX_FEN, MAX_FEN), **kwargs)


class RecordItemSchema(StrictSchema):
    """One record; which fields it needs depends on its ``kind``."""

    record_id = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(RECORD_ID_PATTERN),
        metadata={
            "description": "The institution's own id of the record: the same id again is the same record"
        },
    )
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf([k.value for k in RecordKind]),
        metadata={"description": "status | contribution | account_entry | loan"},
    )
    national_id = KnownNationalId(required=True, metadata={"description": "The insured person's 身份证号"})
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    scheme = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf([s.value for s in Scheme]),
        metadata={"description": "pension | medical | unemployment | work_injury | maternity | housing_fund"},
    )
    period = ma.fields.String(
        load_default=None,
        validate=ma.validate.Regexp(PERIOD_PATTERN),
        metadata={"description": "contribution: the month paid for, 2026-10"},
    )
    date = ma.fields.Date(
        load_default=None,
        metadata={
            "description": "status: effective from; account_entry: the day; loan: the day it was granted"
        },
    )
    status = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf([s.value for s in InsuredStatus]),
        metadata={"description": "status: active | suspended | terminated"},
    )
    entry_type = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf([e.value for e in EntryType]),
        metadata={
            "description": "account_entry: credit | spend | interest | withdrawal | transfer | adjustment"
        },
    )
    base_fen = _fen(load_default=None, metadata={"description": "contribution: the base (缴费基数), fen"})
    employer_fen = _fen(load_default=None, metadata={"description": "contribution: the employer's part, fen"})
    personal_fen = _fen(load_default=None, metadata={"description": "contribution: the person's part, fen"})
    amount_fen = _fen(
        load_default=None,
        metadata={"description": "account_entry: signed (+ in, - out); loan: the principal; fen"},
    )
    balance_fen = _fen(
        load_default=None,
        metadata={"description": "account_entry: the balance after it; loan: still owed; fen"},
    )
    employer_code = KnownCreditCode(
        load_default=None, metadata={"description": "The paying unit's 统一社会信用代码"}
    )
    employer_name = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=120))
    purpose = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=40),
        metadata={"description": "account_entry: what it was for (租房提取, 门诊, ...)"},
    )
    term_months = ma.fields.Integer(load_default=None, strict=True, validate=Range(1, 360))
    monthly_fen = _fen(load_default=None, metadata={"description": "loan: the monthly repayment, fen"})
    as_of = ma.fields.AwareDateTime(
        required=True, metadata={"description": "When the institution's record said this (a later one wins)"}
    )

    @ma.validates_schema
    def _fits_its_kind(self, data, **kwargs):
        if "kind" not in data or "scheme" not in data:
            return
        errors: dict[str, list[str]] = {}
        check = _CHECKS[data["kind"]]
        check(data, errors)
        as_of = data.get("as_of")
        if as_of is not None and as_of > clock.utcnow() + CLOCK_SKEW:
            errors.setdefault("as_of", []).append(gettext("Must not be in the future."))
        if errors:
            raise ma.ValidationError(errors)

    @ma.post_load
    def _canonical(self, data, **kwargs) -> dict:
        occurred_on = _event_day(data)
        details = {k: data[k] for k in ("purpose", "term_months", "monthly_fen") if data.get(k) is not None}
        amount = data.get("amount_fen")
        if data["kind"] == RecordKind.CONTRIBUTION:
            amount = data["employer_fen"] + data["personal_fen"]
        return {
            "record_no": data["record_id"],
            "kind": data["kind"],
            "national_id": data["national_id"],
            "name": data["name"].strip(),
            "scheme": data["scheme"],
            "occurred_on": occurred_on,
            "year": occurred_on.year,
            "status": data.get("status"),
            "entry_type": data.get("entry_type"),
            "base_fen": data.get("base_fen"),
            "employer_fen": data.get("employer_fen"),
            "personal_fen": data.get("personal_fen"),
            "amount_fen": amount,
            "balance_fen": data.get("balance_fen"),
            "employer_code": data.get("employer_code"),
            "employer_name": (data.get("employer_name") or "").strip() or None,
            "details": details,
            "as_of": data["as_of"],
        }


def _event_day(data: dict) -> date:
    """A contribution's month (its first day), or the record's own date."""
    if data["kind"] == RecordKind.CONTRIBUTION:
        return date(int(data["period"][:4]), int(data["period"][5:7]), 1)
    return data["date"]


def _need(data: dict, errors: dict, *names: str) -> None:
    for name in names:
        if data.get(name) is None:
            errors.setdefault(name, []).append(gettext("Required for this kind of record."))


def _refuse(errors: dict, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _not_after_today(data: dict, errors: dict, name: str = "date") -> None:
    if data.get(name) is not None and data[name] > business_date():
        _refuse(errors, name, gettext("Must not be in the future."))


def _check_status(data: dict, errors: dict) -> None:
    _need(data, errors, "status", "date")
    _not_after_today(data, errors)


def _check_contribution(data: dict, errors: dict) -> None:
    _need(data, errors, "period", "base_fen", "employer_fen", "personal_fen")
    for name in ("base_fen", "employer_fen", "personal_fen"):
        if (data.get(name) or 0) < 0:
            _refuse(errors, name, gettext("Must not be negative."))
    if (data.get("employer_fen") or 0) > 0 and not data.get("employer_code"):
        _refuse(errors, "employer_code", gettext("Give the paying unit's credit code."))
    if data.get("employer_code") and not data.get("employer_name"):
        _refuse(errors, "employer_name", gettext("Give the paying unit's name."))
    period = data.get("period")
    if period is not None and period > f"{business_date():%Y-%m}":
        _refuse(errors, "period", gettext("Must not be in the future."))


def _check_entry(data: dict, errors: dict) -> None:
    _need(data, errors, "date", "entry_type", "amount_fen", "balance_fen")
    _not_after_today(data, errors)
    scheme, entry, amount = data["scheme"], data.get("entry_type"), data.get("amount_fen")
    if scheme not in ACCOUNT_SCHEMES:
        _refuse(errors, "scheme", gettext("Only medical insurance and the housing fund have an account."))
        return
    if entry is not None and entry not in ENTRY_TYPES_OF[scheme]:
        _refuse(errors, "entry_type", gettext("This account has no entries of this type."))
    if amount == 0:
        _refuse(errors, "amount_fen", gettext("An entry moves some money."))
    elif entry in SIGNS and amount is not None and SIGNS[entry] * amount < 0:
        _refuse(
            errors, "amount_fen", gettext("The sign does not fit the entry: + for money in, - for money out.")
        )
    if (data.get("balance_fen") or 0) < 0:
        _refuse(errors, "balance_fen", gettext("Must not be negative."))


def _check_loan(data: dict, errors: dict) -> None:
    _need(data, errors, "date", "amount_fen", "balance_fen")
    _not_after_today(data, errors)
    if data["scheme"] != Scheme.HOUSING_FUND:
        _refuse(errors, "scheme", gettext("Loans are housing-fund records."))
    amount, owed = data.get("amount_fen"), data.get("balance_fen")
    if amount is not None and amount <= 0:
        _refuse(errors, "amount_fen", gettext("An amount must be a positive number of fen."))
    if owed is not None and (owed < 0 or (amount is not None and owed > amount)):
        _refuse(errors, "balance_fen", gettext("What is owed lies between nothing and the principal."))


_CHECKS = {
    RecordKind.STATUS: _check_status,
    RecordKind.CONTRIBUTION: _check_contribution,
    RecordKind.ACCOUNT_ENTRY: _check_entry,
    RecordKind.LOAN: _check_loan,
}

RECORD_ITEM = RecordItemSchema()


def load_record(raw: object) -> tuple[dict | None, dict | None]:
    """(the canonical record, None) or (None, the messages of each bad field)."""
    if not isinstance(raw, dict):
        return None, {"_schema": [gettext("Each record is an object.")]}
    try:
        return RECORD_ITEM.load(raw), None
    except ma.ValidationError as error:
        return None, error.normalized_messages()


def from_text_row(row: dict) -> dict:
    """A CSV row as the schema reads it: empty cells left out, whole numbers as numbers."""
    item = {}
    for name, value in row.items():
        if name is None or value is None:  # more cells than headers: left for the schema to refuse
            item.setdefault("_extra", value)
            continue
        value = value.strip()
        if value == "":
            continue
        if name in INT_FIELDS and (value.isdigit() or (value[:1] == "-" and value[1:].isdigit())):
            item[name] = int(value)
        else:
            item[name] = value
    return item
