"""The city's problem types."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import ValidationFailed


class UnknownDepartment(ValidationFailed):
    """A department code the city does not have: a validation failure of the field that named it."""

    def __init__(self, field: str = "department_code"):
        super().__init__({field: [str(_l("Unknown department."))]})
