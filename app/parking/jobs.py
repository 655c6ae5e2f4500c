"""Parking jobs: the periodic sweep (debts, unanswered disputes, fines due soon), once per period."""

from __future__ import annotations

from app.core import jobs
from app.extensions import db
from app.parking import services


def sweep_parking() -> dict[str, int]:
    """Every periodic piece of parking work, once; what each did."""
    reminded = services.remind_debts()
    db.session.commit()
    unanswered = services.note_unanswered_disputes()
    db.session.commit()
    fines = services.remind_fines_due()
    db.session.commit()
    return {"debts_reminded": reminded, "disputes_unanswered": unanswered, "fines_due_reminded": fines}


@jobs.periodic("PARKING_SWEEP_SECONDS", name="parking.sweep")
def sweep() -> None:
    """The periodic parking sweep."""
    sweep_parking()
