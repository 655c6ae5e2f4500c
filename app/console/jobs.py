"""Console background work: forgetting expired sessions."""

from __future__ import annotations

from app.console import sessions
from app.core import jobs


@jobs.periodic(3600, name="console.prune_sessions")
def prune_sessions() -> int:
    """Delete console sessions past their end."""
    return sessions.prune()
