"""The home's problem types."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import NotFound


class UnknownService(NotFound):
    """A service code the directory does not list."""

    code = "unknown-service"
    title = _l("Unknown service")
    default_detail = _l("The directory has no such service.")
