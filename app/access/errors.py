"""The problem types of community gates and venues."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import Conflict, NotFound


class UnknownGate(NotFound):
    """No gate or venue has this code, or another scanner operates it."""

    code = "unknown-access-point"
    title = _l("Unknown gate")
    default_detail = _l("No gate or venue with this code is operated by this scanner.")


class PassNotActive(Conflict):
    """The pass was revoked or has expired: there is nothing left to revoke."""

    code = "pass-not-active"
    title = _l("Pass no longer valid")
    default_detail = _l("This pass has already expired or been revoked.")


class TooManyPasses(Conflict):
    """A resident holds at most so many passes that are still valid."""

    code = "too-many-passes"
    title = _l("Too many passes")
    default_detail = _l("You already have 20 visitor passes that are still valid. Revoke one first.")
