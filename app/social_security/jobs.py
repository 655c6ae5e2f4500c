"""Social security's periodic work: the sweep for employers that stopped paying (idempotent)."""

from __future__ import annotations

from app.core import jobs
from app.extensions import db
from app.social_security import services


@jobs.periodic("SOCIAL_SECURITY_SWEEP_SECONDS", name="social_security.sweep")
def sweep() -> None:
    """Alert each person once per month with no employer contribution after one with."""
    services.sweep_employer_gaps()
    db.session.commit()
