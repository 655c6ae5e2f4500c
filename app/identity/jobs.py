"""Identity housekeeping."""

from __future__ import annotations

from app.core import jobs
from app.identity import services


@jobs.periodic(86400, name="identity.prune")
def prune_expired() -> dict[str, int]:
    """Delete expired sign-in codes, link codes, revocations and replay records."""
    return services.prune_expired()
