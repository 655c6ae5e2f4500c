"""Alerts: an employer that stopped paying, a change of insured status, a large withdrawal.

Status changes and withdrawals are noticed as records arrive (:class:`BatchWatcher`, in the batch's
transaction, so a refused import file alerts nobody); only what happened within
``SOCIAL_SECURITY_ALERT_WINDOW_DAYS`` alerts, so loading years of history tells nobody about 2019.
A month with no employer contribution is found by the periodic sweep (:func:`sweep_employer_gaps`)
once the month's records are due (``SOCIAL_SECURITY_CONTRIBUTION_GRACE_DAY`` of the next month).
Every alert has a dedupe key: sent once, however often records or sweeps repeat.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from app.core.calendar import business_date
from app.core.money import Money
from app.extensions import db
from app.identity import services as identity
from app.social_security import notices
from app.social_security.models import EntryType, Insured, InsuredStatus, Record, RecordKind, Scheme
from app.social_security.services._shared import setting

GAP_SCHEMES = (Scheme.PENSION, Scheme.HOUSING_FUND)  # an employer's payment shows first in these
SWEEP_PAGE = 500


class BatchWatcher:
    """Watches one batch's accepted records for status changes and large withdrawals."""

    def __init__(self, rows: list[dict], insured: dict[str, uuid.UUID]):
        from app.core.pii import lookup_hash

        self._hash_of = {value: key for key, value in insured.items()}
        self._since = business_date() - timedelta(days=setting("ALERT_WINDOW_DAYS"))
        self._threshold = setting("LARGE_WITHDRAWAL_FEN")
        self._events: list[tuple] = []
        status_people = {
            insured[lookup_hash(r["national_id"])] for r in rows if r["kind"] == RecordKind.STATUS
        }
        self._latest = _latest_statuses(status_people)

    def saw(self, row: dict, values: dict, held) -> None:
        """A record created or corrected in this batch."""
        insured_id = values["insured_id"]
        if row["kind"] == RecordKind.STATUS:
            key = (insured_id, row["scheme"])
            prior = self._latest.get(key)
            if prior is None or row["occurred_on"] >= prior[0]:
                self._latest[key] = (row["occurred_on"], row["status"])
                if prior is not None and prior[1] != row["status"] and row["occurred_on"] >= self._since:
                    self._events.append(("status", insured_id, values["id"], row, prior[1]))
        elif (
            held is None
            and row["kind"] == RecordKind.ACCOUNT_ENTRY
            and row["scheme"] == Scheme.HOUSING_FUND
            and row["entry_type"] == EntryType.WITHDRAWAL
            and -row["amount_fen"] >= self._threshold
            and row["occurred_on"] >= self._since
        ):
            self._events.append(("withdrawal", insured_id, values["id"], row, values["source"]))

    def send(self) -> None:
        """Notify the people the events concern (those with an account and a verified real name)."""
        if not self._events:
            return
        people = identity.people_by_national_id_hash(self._hash_of[event[1]] for event in self._events)
        for kind, insured_id, record_id, row, extra in self._events:
            person_id = people.get(self._hash_of[insured_id])
            if person_id is None:
                continue
            if kind == "status":
                notices.status_changed(
                    person_id, record_id, row["scheme"], extra, row["status"], row["occurred_on"]
                )
            else:
                notices.large_withdrawal(
                    person_id,
                    f"{extra}:{row['record_no']}",
                    Money(-row["amount_fen"]),
                    Money(row["balance_fen"]),
                    row["occurred_on"],
                )


def _latest_statuses(insured_ids: set[uuid.UUID]) -> dict[tuple, tuple[date, str]]:
    """The latest status of each scheme of these people, as held before the batch."""
    if not insured_ids:
        return {}
    rows = db.session.execute(
        select(Record.insured_id, Record.scheme, Record.occurred_on, Record.status)
        .where(
            Record.insured_id.in_(sorted(insured_ids)), Record.kind == RecordKind.STATUS, Record.is_current
        )
        .order_by(Record.occurred_on, Record.as_of)
    )
    return {(row.insured_id, row.scheme): (row.occurred_on, row.status) for row in rows}


# --- the sweep ---------------------------------------------------------------------------------------


def month_due(today: date | None = None) -> date:
    """The latest month whose contributions should have arrived by now (its first day)."""
    today = today or business_date()
    this_month = today.replace(day=1)
    back = 1 if today.day >= setting("CONTRIBUTION_GRACE_DAY") else 2
    return _months_before(this_month, back)


def _months_before(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def sweep_employer_gaps(today: date | None = None) -> int:
    """Alert everyone whose employer paid for the month before the month due but not for it; how many."""
    month = month_due(today)
    before = _months_before(month, 1)
    alerted = 0
    for scheme in GAP_SCHEMES:
        after: uuid.UUID | None = None
        while True:
            page = _stopped_page(scheme, before, month, after)
            if not page:
                break
            after = page[-1].id
            people = identity.people_by_national_id_hash(row.national_id_hash for row in page)
            for row in page:
                person_id = people.get(row.national_id_hash)
                if person_id is not None:
                    notices.employer_stopped(person_id, row.id, scheme, month)
                    alerted += 1
    return alerted


def _stopped_page(scheme: str, before: date, month: date, after: uuid.UUID | None) -> list:
    """One page of insured people paid for by an employer in ``before`` but not in ``month``.

    Driven by the month index (kind, scheme, month, insured): the month before's contributions.
    """
    paid, status = aliased(Record), aliased(Record)
    stmt = (
        select(Insured.id, Insured.national_id_hash)
        .join(Record, Record.insured_id == Insured.id)
        .where(
            Record.kind == RecordKind.CONTRIBUTION,
            Record.scheme == scheme,
            Record.occurred_on == before,
            Record.is_current,
            Record.employer_fen > 0,
            ~exists().where(
                paid.kind == RecordKind.CONTRIBUTION,
                paid.scheme == scheme,
                paid.occurred_on == month,
                paid.insured_id == Record.insured_id,
                paid.is_current,
                paid.employer_fen > 0,
            ),
            ~exists().where(  # a suspension or termination since: its own alert said so
                status.kind == RecordKind.STATUS,
                status.scheme == scheme,
                status.insured_id == Record.insured_id,
                status.status != InsuredStatus.ACTIVE,
                status.occurred_on >= before,
                status.is_current,
            ),
        )
        .order_by(Record.insured_id)
        .limit(SWEEP_PAGE)
    )
    if after is not None:
        stmt = stmt.where(Record.insured_id > after)
    return list(db.session.execute(stmt))
