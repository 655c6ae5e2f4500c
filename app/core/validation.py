"""Reusable marshmallow fields and validators whose messages follow the request locale."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_babel import gettext

from app.core import pii

_marshmallow_string_deserialize = ma.fields.String._deserialize


def _string_without_nul(self, value, attr, data, **kwargs):
    text = _marshmallow_string_deserialize(self, value, attr, data, **kwargs)
    if "\x00" in text:
        raise ma.ValidationError(gettext("Must not contain NUL characters."))
    return text


def refuse_nul_characters() -> None:
    """PostgreSQL cannot store NUL in text: every string field refuses it on every database (422, not 500)."""
    ma.fields.String._deserialize = _string_without_nul


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
