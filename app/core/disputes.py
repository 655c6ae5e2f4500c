"""What every dispute shares: its states, its kind in the reader's language, when it may go to 12345.

A resident disputes something a counterpart charged or decided (a biller's payment, an operator's
parking fee, a police fine, a transit fare); the counterpart answers, by a deadline where it has one.
A rejected dispute, or one still unanswered past its deadline, may be escalated to 12345 as a
complaint. While a dispute waits for its answer (open, or taken to 12345 unanswered) the disputed
debt gathers no late fee; once answered, a debt still owed has its grace again, counted from the
answer. Each domain's dispute model keeps its own columns and adds :class:`DisputeMixin` for these
rules; it names its kinds' labels in ``KIND_LABELS`` and has ``kind``, ``status``, ``description``,
``answer_due_at`` (``None``: no deadline, only a rejection opens 12345), ``answered_at`` (where late
fees count), ``escalated_at``, ``complaint_id`` and ``complaint_tracking_number`` columns. The one way
to take it to 12345 is ``app.complaints.services.escalate_dispute`` (the kernel imports no domain):
it checks :meth:`DisputeMixin.may_escalate_at`, files the complaint with the domain's attachment and
calls :meth:`DisputeMixin.mark_escalated`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from flask_babel import lazy_gettext as _l

from app.core import clock
from app.core.errors import Conflict

MAX_COMPLAINT_TEXT = 2000


class DisputeNotEscalatable(Conflict):
    """Only a rejected dispute, or one unanswered past its deadline, can go to 12345."""

    code = "dispute-not-escalatable"
    title = _l("Dispute cannot be escalated yet")
    default_detail = _l("A dispute can go to 12345 once it is rejected or left unanswered past its deadline.")


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
        """Rejected, or still unanswered past the counterpart's deadline (when it has one); once only."""
        if self.escalated_at is not None:
            return False
        if self.status == DisputeStatus.REJECTED:
            return True
        due = self.answer_due_at
        return self.status == DisputeStatus.OPEN and due is not None and moment >= due

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

    def complaint_text(self, note: str = "") -> str:
        """What the complaint says: the resident's own words, and what they added when escalating."""
        parts = [part.strip() for part in (self.description or "", note) if part and part.strip()]
        return ("\n".join(parts) or self.kind_label)[:MAX_COMPLAINT_TEXT]

    def mark_escalated(self, complaint_id: uuid.UUID, tracking_number: str, moment: datetime) -> None:
        """It went to 12345 as this complaint."""
        self.status, self.escalated_at = DisputeStatus.ESCALATED, moment
        self.complaint_id, self.complaint_tracking_number = complaint_id, tracking_number
