"""Bills jobs (each runs in an app context and commits): the autopay sweep; all idempotent."""

from __future__ import annotations

from dataclasses import asdict

from app.bills import services
from app.extensions import db


def run_autopay() -> dict[str, int]:
    """Pay the bills whose autopay day has come (within their rule's limit) and flag larger ones."""
    run = services.run_autopay()
    db.session.commit()
    return asdict(run)


def sweep_bills() -> dict[str, int]:
    """Every periodic piece of bills work, once; what each did."""
    return {f"autopay_{name}": count for name, count in run_autopay().items()}
