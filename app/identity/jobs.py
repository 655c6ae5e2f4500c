"""Identity housekeeping."""

from __future__ import annotations

from app.core import jobs
from app.identity import services


@jobs.periodic("CITYCODE_SCAN_FLUSH_SECONDS", name="identity.flush_scans")
def flush_scans() -> int:
    """Move the buffered city-code scans into the scan log (nothing to do without the buffer)."""
    return services.flush_scan_buffer()


@jobs.periodic(86400, name="identity.prune")
def prune_expired() -> dict[str, int]:
    """Delete expired sign-in codes, link codes, revocations and replay records."""
    return services.prune_expired()
