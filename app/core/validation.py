"""Reusable marshmallow fields and validators whose messages follow the request locale."""

from __future__ import annotations

import json
import re
from typing import Any

import marshmallow as ma
from flask_babel import gettext

from app.core import pii
from app.core.errors import BadRequest

_marshmallow_string_deserialize = ma.fields.String._deserialize
# A lone UTF-16 surrogate (JSON "\\ud800") is not Unicode text: it cannot be encoded as UTF-8, so it
# can be neither stored on PostgreSQL nor written into any later response.
_SURROGATES = re.compile("[\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why ``text`` may not enter the system (NUL, not valid Unicode), or None when it may."""
    if "\x00" in text:
        return gettext("Must not contain NUL characters.")
    if _SURROGATES.search(text):
        return gettext("Must be valid Unicode text.")
    return None


def _acceptable_string(self, value, attr, data, **kwargs):
    text = _marshmallow_string_deserialize(self, value, attr, data, **kwargs)
    problem = text_problem(text)
    if problem:
        raise ma.ValidationError(problem)
    return text


def refuse_unstorable_text() -> None:
    """Every string field, in every location (body, query, form), refuses NUL and lone surrogates (422).

    PostgreSQL cannot store NUL in text, and a lone surrogate cannot be encoded as UTF-8: stored once,
    it would break every response that shows it. One patch of marshmallow's ``String`` covers every
    schema and every subclass (e-mail, URL, phone number, ...), on every database.
    """
    ma.fields.String._deserialize = _acceptable_string


class Range(ma.validate.Range):
    """``marshmallow.validate.Range`` with messages translated when raised, not at import."""

    def _format_error(self, value: Any, message: str) -> str:
        if self.error:
            return self.error.format(input=value, min=self.min, max=self.max)
        below = self.min is not None and (value < self.min if self.min_inclusive else value <= self.min)
        if below:
            if self.min_inclusive:
                return gettext("Must be greater than or equal to %(min)s.", min=self.min)
            return gettext("Must be greater than %(min)s.", min=self.min)
        if self.max_inclusive:
            return gettext("Must be less than or equal to %(max)s.", max=self.max)
        return gettext("Must be less than %(max)s.", max=self.max)


class PhoneNumber(ma.fields.String):
    """A phone number, validated and normalized to E.164 (mainland China by default)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return pii.normalize_phone(text)
        except pii.InvalidPII as exc:
            raise ma.ValidationError(gettext("Not a valid phone number.")) from exc


class NationalId(ma.fields.String):
    """A PRC resident identity card number (18 characters, check digit and birth date checked)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return pii.normalize_national_id(text)
        except pii.InvalidPII as exc:
            raise ma.ValidationError(gettext("Not a valid national ID number.")) from exc


class CreditCode(ma.fields.String):
    """A unified social credit code (统一社会信用代码) of an organization."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return pii.normalize_credit_code(text)
        except pii.InvalidPII as exc:
            raise ma.ValidationError(gettext("Not a valid unified social credit code.")) from exc


class StrictSchema(ma.Schema):
    """Base for request schemas: unknown fields are refused (no mass assignment)."""

    class Meta:
        unknown = ma.RAISE


# --- JSON bodies ----------------------------------------------------------------------------------

MAX_JSON_DEPTH = 32
MAX_JSON_INTEGER_DIGITS = 32


class _NumberTooLong(ValueError):
    pass


def _bounded_int(text: str) -> int:
    if len(text) - text.startswith("-") > MAX_JSON_INTEGER_DIGITS:
        raise _NumberTooLong(text[:20])
    return int(text)


def load_json(data: bytes | str) -> Any:
    """Parse a request's JSON body within the limits every endpoint shares (400 beyond them).

    Nesting deeper than ``MAX_JSON_DEPTH`` levels and integers longer than
    ``MAX_JSON_INTEGER_DIGITS`` digits are refused before any schema sees them: Python's parser
    would otherwise raise ``RecursionError`` (about 1,000 levels) or refuse to convert integers of
    more than 4,300 digits, both of which surfaced as server errors.
    """
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        document = json.loads(text, parse_int=_bounded_int)
    except _NumberTooLong:
        raise BadRequest(
            gettext(
                "A number in the JSON body has more than %(digits)s digits.", digits=MAX_JSON_INTEGER_DIGITS
            )
        ) from None
    except RecursionError:
        raise _too_deep() from None
    if _depth_exceeds(document, MAX_JSON_DEPTH):
        raise _too_deep()
    return document


def _too_deep() -> BadRequest:
    return BadRequest(
        gettext("The JSON body is nested more than %(levels)s levels deep.", levels=MAX_JSON_DEPTH)
    )


def _depth_exceeds(document: Any, limit: int) -> bool:
    """True when arrays and objects nest more than ``limit`` levels (checked without recursion)."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
