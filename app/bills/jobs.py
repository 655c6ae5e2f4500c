"""Bills jobs: one periodic sweep (autopay, reminders, dispute deadlines); each step idempotent.

``sweep`` runs every ``BILLS_SWEEP_SECONDS`` on the job machinery (``app.core.jobs``), once per
period however many workers there are; ``flask bills sweep`` runs the same work by hand.
"""

from __future__ import annotations

from dataclasses import asdict

from app.bills import services
from app.core import jobs
from app.extensions import db


def run_autopay() -> dict[str, int]:
    """Pay the bills whose autopay day has come (within their rule's limit) and flag larger ones."""
    run = services.run_autopay()
    db.session.commit()
    return asdict(run)


def send_reminders() -> dict[str, int]:
    """Remind holders of bills due soon and of overdue bills, once per bill and due date."""
    run = services.send_reminders()
    db.session.commit()
    return asdict(run)


def note_unanswered_disputes() -> int:
    """Tell residents whose dispute went unanswered past its deadline that they may go to 12345."""
    count = services.note_unanswered_disputes()
    db.session.commit()
    return count


def sweep_bills() -> dict[str, int]:
    """Every periodic piece of bills work, once; what each did."""
    counts = {f"autopay_{name}": count for name, count in run_autopay().items()}
    counts.update({f"reminded_{name}": count for name, count in send_reminders().items()})
    counts["disputes_unanswered"] = note_unanswered_disputes()
    return counts


@jobs.periodic("BILLS_SWEEP_SECONDS", name="bills.sweep")
def sweep() -> None:
    """The periodic bills sweep."""
    sweep_bills()
