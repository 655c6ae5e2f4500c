"""The 12345 domain's problem types."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import Conflict


class InvalidTransition(Conflict):
    """The complaint is not in a state that allows this step."""

    code = "invalid-transition"
    title = _l("Not possible in the complaint's current state")
    default_detail = _l("This step is not possible in the complaint's current state.")
