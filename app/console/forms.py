"""Reading console forms: each value parsed or refused with a field message, like the API's 422."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import request
from flask_babel import gettext

from app.core.calendar import SHANGHAI
from app.core.errors import ValidationFailed


def text(name: str, *, required: bool = True, max_length: int = 2000) -> str:
    """A text field, stripped; required ones may not be empty."""
    value = (request.form.get(name) or "").strip()
    if required and not value:
        raise ValidationFailed({name: [gettext("Missing data for required field.")]})
    if len(value) > max_length:
        raise ValidationFailed({name: [gettext("Longer than maximum length %(max)s.", max=max_length)]})
    return value


def integer(name: str) -> int:
    """A whole number."""
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        raise ValidationFailed({name: [gettext("Not a valid integer.")]}) from None


def identifier(name: str) -> uuid.UUID:
    """A record id."""
    try:
        return uuid.UUID(request.form.get(name, ""))
    except ValueError:
        raise ValidationFailed({name: [gettext("Not a valid UUID.")]}) from None


def checked(name: str) -> bool:
    """A checkbox."""
    return request.form.get(name) in ("on", "1", "true", "yes")


def local_datetime(name: str) -> datetime:
    """A ``datetime-local`` field, read as Asia/Shanghai time, returned aware in UTC."""
    try:
        value = datetime.fromisoformat(request.form.get(name, ""))
    except ValueError:
        raise ValidationFailed({name: [gettext("Not a valid datetime.")]}) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value
