"""What every dispute shares: its states, its kind in the reader's language, when it may go to 12345.

A resident disputes something a counterpart charged or decided (a biller's payment, an operator's
parking fee, a police fine); the counterpart answers by a deadline. A rejected dispute, or one still
unanswered past its deadline, may be escalated to 12345 as a complaint. While a dispute waits for
its answer (open, or taken to 12345 unanswered) the disputed debt gathers no late fee; once answered,
a debt still owed has its grace again, counted from the answer. Each domain's dispute model
keeps its own columns and adds :class:`DisputeMixin` for these rules; it names its kinds'
labels in ``KIND_LABELS`` and has ``kind``, ``status``, ``answer_due_at`` and ``answered_at`` columns.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from app.core import clock


class DisputeStatus(StrEnum):
    """Open until the counterpart answers (accepted or rejected); escalated once it went to 12345."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ESCALATED = "escalated"


class DisputeMixin:
    """The rules of a dispute a domain's model states: its kind's label, whether it may go to 12345."""

    KIND_LABELS: ClassVar[dict] = {}  # kind -> lazy label, per domain

    @property
    def kind_label(self) -> str:
        """What is disputed, in the reader's language."""
        return str(self.KIND_LABELS[self.kind])

    def may_escalate_at(self, moment: datetime) -> bool:
        """Rejected, or still unanswered past the counterpart's deadline."""
        if self.status == DisputeStatus.REJECTED:
            return True
        return self.status == DisputeStatus.OPEN and moment >= self.answer_due_at

    @property
    def holds_late_fees(self) -> bool:
        """Waiting for the counterpart's answer: the disputed debt gathers no late fee meanwhile."""
        if self.status == DisputeStatus.OPEN:
            return True
        return self.status == DisputeStatus.ESCALATED and getattr(self, "answered_at", None) is None

    @property
    def may_escalate(self) -> bool:
        """Whether the resident can take it to 12345 now."""
        return self.may_escalate_at(clock.utcnow())
