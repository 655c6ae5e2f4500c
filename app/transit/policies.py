"""Institutions besides the rider that touch transit records: schools, and the clearing house."""

from __future__ import annotations

from app.core.actors import Actor
from app.core.policy import is_client

CONCESSION_SCOPE = "transit:concessions"  # a school or the education bureau attests students
DISPUTE_SCOPE = "transit:disputes"  # the clearing house reviews fare disputes


def is_attesting_school(actor: Actor) -> bool:
    """A client that may attest riders' student status."""
    return is_client(actor, scope=CONCESSION_SCOPE)


def is_dispute_reviewer(actor: Actor) -> bool:
    """A client that decides fare disputes (the clearing house the fares are paid to)."""
    return is_client(actor, scope=DISPUTE_SCOPE)
