"""Commerce jobs: a periodic sweep of orders not accepted in time and of care visits never verified."""

from __future__ import annotations

from app.commerce import services
from app.core import jobs
from app.extensions import db


def decline_unanswered() -> int:
    """Decline and refund the paid orders whose merchant did not accept them by their time."""
    count = services.decline_unanswered()
    db.session.commit()
    return count


def release_lapsed_subsidies() -> int:
    """Give back the voucher parts held for care visits begun and never verified in time."""
    count = services.release_lapsed_subsidies()
    db.session.commit()
    return count


@jobs.periodic("COMMERCE_SWEEP_SECONDS", name="commerce.sweep")
def sweep() -> None:
    """The periodic commerce sweep."""
    decline_unanswered()
    release_lapsed_subsidies()
