"""Transit's periodic work: settle riders' past days of trips (a settled trip is never charged again)."""

from __future__ import annotations

from app.core import jobs
from app.extensions import db
from app.transit import services


@jobs.periodic(3600, name="transit.settle")
def settle() -> None:
    """Charge each rider's finished trips of days before today, one charge per operator."""
    services.settle_days()
    db.session.commit()
