"""The sandbox vehicle registry: how demo and test plates are confirmed, by a documented rule.

==========================  ==========  ===============================================
plate                       answer      reason given to the resident
==========================  ==========  ===============================================
ends in ``4``               refused     ``holder_mismatch``: the name does not match
ends in ``0000``            refused     ``deregistered``: the vehicle was deregistered
anything else               confirmed
==========================  ==========  ===============================================
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.parking.providers import HolderAnswer, register_registry

HOLDER_MISMATCH, DEREGISTERED = "holder_mismatch", "deregistered"
REASONS = {
    HOLDER_MISMATCH: _l("The vehicle registry says the holder's name does not match this plate."),
    DEREGISTERED: _l("The vehicle registry says this vehicle was deregistered."),
}


class SandboxRegistry:
    """Answers at once, by the plate's last characters."""

    name = "sandbox"

    def check_holder(self, plate: str, holder_name: str) -> HolderAnswer:
        """Confirm or refuse by the documented rule."""
        if plate.endswith("0000"):
            return HolderAnswer(False, DEREGISTERED, str(REASONS[DEREGISTERED]))
        if plate.endswith("4"):
            return HolderAnswer(False, HOLDER_MISMATCH, str(REASONS[HOLDER_MISMATCH]))
        return HolderAnswer(True)


register_registry("sandbox", SandboxRegistry, sandbox=True)
