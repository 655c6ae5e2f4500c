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

from flask_babel import gettext
from sqlalchemy import bindparam, case, func, select

from app.core.cards import Card, Urgency, folded
from app.core.money import Money
from app.extensions import db
from app.identity import services as identity
from app.social_security.errors import RealNameRequired
from app.social_security.models import SCHEME_LABELS, Insured, InsuredStatus, Record, RecordKind, Scheme
from app.social_security.services._shared import (  # noqa: F401
    MANDATE_SCOPE,
    WRITE_SCOPES,
    insured_of_person,
    source_for,
)
from app.social_security.services.alerts import month_due, sweep_employer_gaps  # noqa: F401
from app.social_security.services.certificates import (  # noqa: F401
    certificate_pdf,
    get_certificate,
    issue,
    list_certificates,
    normalize_code,
    verification_url,
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


EMPLOYER_PAID = (Scheme.PENSION, Scheme.HOUSING_FUND)  # schemes whose missing month is the employer's


def summary_of_person(person_id: uuid.UUID) -> Summary | None:
    """The person's summary, or None (no verified real name, or no records yet): for cards and the bot."""
    try:
        insured = insured_of_person(person_id)
    except RealNameRequired:
        return None
    return summary_of(insured) if insured is not None else None


# Built once: the home runs them on every visit (see docs/adding-a-domain.md, "hot statements").
_OF_PERSON = (
    Record.insured_id
    == select(Insured.id).where(Insured.national_id_hash == bindparam("id_hash")).scalar_subquery(),
    Record.is_current,
)
_STATUSES = (
    select(Record.scheme, Record.status, Record.occurred_on)
    .where(*_OF_PERSON, Record.kind == RecordKind.STATUS)
    .order_by(Record.occurred_on, Record.as_of)
)
_LAST_PAID = (
    select(Record.scheme, func.max(Record.occurred_on))
    .where(*_OF_PERSON, Record.kind == RecordKind.CONTRIBUTION)
    .group_by(Record.scheme)
)


def attention_items(person_id: uuid.UUID, limit: int = 5) -> list[AttentionItem]:
    """At most ``limit`` things needing attention now: a scheme not contributing, a month unpaid.

    Three narrow queries (the person's ID hash, each scheme's statuses, each scheme's last month
    paid), whatever the length of the history: the bot calls it (the home folds it, see below).
    """
    id_hash = identity.national_id_hash_of(person_id)
    if id_hash is None:
        return []
    params = {"id_hash": id_hash}
    status = {row.scheme: (row.status, row.occurred_on) for row in db.session.execute(_STATUSES, params)}
    last_paid = dict(db.session.execute(_LAST_PAID, params).all())
    return _attention(status, last_paid)[:limit]


def _attention(status: dict, last_paid: dict) -> list[AttentionItem]:
    due = month_due()
    items = []
    for scheme in Scheme:
        value, since = status.get(scheme, (None, None))
        if value is None and scheme not in last_paid:
            continue
        if value and value != InsuredStatus.ACTIVE:
            items.append(AttentionItem("status_not_active", scheme, since))
        elif scheme in EMPLOYER_PAID and scheme in last_paid and last_paid[scheme] < due:
            items.append(AttentionItem("employer_missing", scheme, due))
    return items


def _home_statement():
    """The person's ID hash, how many status records they have, the employer-paid schemes' last months.

    One row for the home's folded statement; the statuses themselves are read only when there are any.
    """
    id_hash = identity.national_id_hash_statement().scalar_subquery()
    paid = [
        func.max(
            case(((Record.kind == RecordKind.CONTRIBUTION) & (Record.scheme == scheme), Record.occurred_on))
        )
        for scheme in EMPLOYER_PAID
    ]
    return select(id_hash, func.count(case((Record.kind == RecordKind.STATUS, 1))), *paid).where(
        Record.insured_id == select(Insured.id).where(Insured.national_id_hash == id_hash).scalar_subquery(),
        Record.is_current,
    )


@folded(_home_statement())
def home_cards(row: tuple, person_id: uuid.UUID, now) -> list[Card]:
    """What the resident should look at in their insurance and housing fund.

    One folded statement, and one more when the person has status records.
    """
    id_hash, statuses, *paid = row
    last_paid = {
        scheme: month for scheme, month in zip(EMPLOYER_PAID, paid, strict=True) if month is not None
    }
    status = {}
    if statuses:
        params = {"id_hash": id_hash}
        status = {row.scheme: (row.status, row.occurred_on) for row in db.session.execute(_STATUSES, params)}
    return [_card(item) for item in _attention(status, last_paid)[:5]]


def _card(item: AttentionItem) -> Card:
    scheme = str(SCHEME_LABELS.get(item.scheme, item.scheme))
    if item.kind == "employer_missing":
        title = gettext("No employer contribution")
        body = gettext(
            "%(scheme)s: nothing was paid for %(month)s.", scheme=scheme, month=f"{item.since:%Y-%m}"
        )
    else:
        title = gettext("Insurance status changed")
        body = gettext("%(scheme)s is no longer active.", scheme=scheme)
    return Card(
        "social_security", item.kind, Urgency.SOON, title, body, target="/api/v1/social-security/summary"
    )
