"""Elder care's background work: climbing an alert's ladder, the daily check-in sweep, unfinished visits.

Each is idempotent.
"""

from __future__ import annotations

import uuid

from app.core import jobs
from app.eldercare import services


def climb_ladder(alert_id: str) -> int:
    """Call the rungs the clock has reached for an unanswered alert (asked for by the alert itself)."""
    return services.climb(uuid.UUID(alert_id))


@jobs.periodic("ELDERCARE_SWEEP_SECONDS", name="eldercare.checkins")
def sweep_checkins() -> dict[str, int]:
    """Remind elders who have not checked in by their time; alert their ladder after the grace."""
    return services.sweep_checkins()


@jobs.periodic("ELDERCARE_SWEEP_SECONDS", name="eldercare.visits")
def lapse_unfinished_visits() -> int:
    """Visits begun and never ended within ``ELDERCARE_VISIT_LAPSE_HOURS`` lapse (never paid)."""
    return services.lapse_unfinished_visits()
