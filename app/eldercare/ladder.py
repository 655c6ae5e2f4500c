"""The escalation ladder of an alert, as a clock: who is called at which minute until someone answers.

Rung 0, at the press: the elder's guardians (mandates covering elder care) and the assigned community
worker, all at once. Then, every ``every`` minutes, the next emergency contact in the elder's order.
Last, the community service centre's staff (every community worker). The ladder stops climbing when
someone acknowledges; a ladder that reached its last rung stays there, open, until someone does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

GUARDIANS = "guardians"  # rung 0: guardians and the assigned worker
CONTACT = "contact"  # one emergency contact
CENTRE = "centre"  # the community service centre


def rungs(*, guardians: bool, contact_ids: list[str], centre: bool) -> list[dict]:
    """The rungs of an elder's ladder, in order; a rung with nobody on it is left out.

    ``guardians``: the elder has a guardian or an assigned worker; ``contact_ids``: their emergency
    contacts in order; ``centre``: the community service centre has staff.
    """
    ladder = [{"kind": GUARDIANS}] if guardians else []
    ladder += [{"kind": CONTACT, "contact_id": contact_id} for contact_id in contact_ids]
    return ladder + ([{"kind": CENTRE}] if centre else [])


@dataclass(frozen=True)
class Ladder:
    """An alert's ladder: how many rungs, raised when, climbing one rung every ``every``."""

    size: int
    raised_at: datetime
    every: timedelta

    @property
    def last(self) -> int:
        """The index of the top rung (the centre)."""
        return self.size - 1

    def rung_at(self, now: datetime) -> int:
        """The highest rung that should have been called by ``now`` (0 at the press; -1 with no rungs)."""
        if now <= self.raised_at:
            return min(0, self.last)
        return min(int((now - self.raised_at) / self.every), self.last)

    def next_at(self, reached: int) -> datetime | None:
        """When the rung after ``reached`` is due; None once the top rung is reached."""
        if reached >= self.last:
            return None
        return self.raised_at + self.every * (reached + 1)

    def due(self, reached: int, now: datetime) -> range:
        """The rungs to call now, having called up to ``reached`` (-1: none; a late clock catches up)."""
        return range(reached + 1, self.rung_at(now) + 1)
