"""The sandbox HIS: registers each booking at once and answers with a visit number, as a HIS does.

The visit number is derived from the appointment (its service, day and seat), so asking again gives
the same number; cancelling releases it. Outside production only.
"""

from __future__ import annotations

import hashlib

from app.appointments.models import Appointment
from app.appointments.providers import register_system


class SandboxSystem:
    """A simulated hospital or hall system."""

    def booked(self, appointment: Appointment) -> str:
        """The visit number the simulated system gives the booking."""
        digest = hashlib.sha256(f"{appointment.id}".encode()).hexdigest()[:8].upper()
        return f"SBX-{appointment.local_date:%Y%m%d}-{digest}"

    def cancelled(self, appointment: Appointment) -> None:
        """Nothing is kept in the simulation: the visit number is simply no longer used."""
        return None


register_system("sandbox", SandboxSystem, sandbox=True)
