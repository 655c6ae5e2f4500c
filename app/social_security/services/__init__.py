"""Social insurance and the housing fund (社保公积金): records in bulk, queries, certificates, alerts.

The social-security bureau and the housing-fund centre are institutional clients that push records
(bulk, idempotent by their record id; a changed record supersedes the last, every version kept)
or send files (``flask social-security import``). Records find residents by national ID (kept
encrypted, looked up by keyed hash): a resident sees theirs once their real name is verified.
Every staff and institutional read is written to the resident's access log.

For the home screen and the bot: :func:`summary_of_person` (status, months paid, balances) and
:func:`attention_items` (what needs the resident's attention now, bounded).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from app.core.money import Money
from app.social_security.errors import RealNameRequired
from app.social_security.services._shared import (  # noqa: F401
    MANDATE_SCOPE,
    WRITE_SCOPES,
    insured_of_person,
    source_for,
)
from app.social_security.services.alerts import month_due, sweep_employer_gaps  # noqa: F401
from app.social_security.services.certificates import (  # noqa: F401
    get_certificate,
    issue,
    list_certificates,
    normalize_code,
    verify,
)
from app.social_security.services.ingest import (  # noqa: F401
    BATCH_SIZE,
    REASONS,
    IngestOutcome,
    ingest_records,
    merge,
)
from app.social_security.services.queries import (  # noqa: F401
    Statement,
    Summary,
    get_record,
    history,
    institution_record,
    my_summary,
    paid_months,
    staff_summary,
    statement,
    summary_of,
    year_range,
)
from app.social_security.services.refresh import insured_for_institution, refresh  # noqa: F401


@dataclass(frozen=True)
class AttentionItem:
    """Something the resident should look at: what, about which scheme, since when, how much."""

    kind: str  # "status_not_active" | "employer_missing"
    scheme: str
    since: date | None
    amount: Money | None = None


def summary_of_person(person_id: uuid.UUID) -> Summary | None:
    """The person's summary, or None (no verified real name, or no records yet): for cards and the bot."""
    try:
        insured = insured_of_person(person_id)
    except RealNameRequired:
        return None
    return summary_of(insured) if insured is not None else None


def attention_items(person_id: uuid.UUID, limit: int = 5) -> list[AttentionItem]:
    """At most ``limit`` things needing attention now: a scheme not contributing, a month unpaid."""
    summary = summary_of_person(person_id)
    if summary is None:
        return []
    due = month_due()
    items = []
    for scheme in summary.schemes:
        if scheme.status and scheme.status != "active":
            items.append(AttentionItem("status_not_active", scheme.scheme, scheme.status_since))
        elif (
            scheme.last_month
            and scheme.last_month < f"{due:%Y-%m}"
            and scheme.scheme in ("pension", "housing_fund")
        ):
            items.append(AttentionItem("employer_missing", scheme.scheme, due))
    return items[:limit]
