"""What residents (and proxies, staff, institutions) read: summary, history, one record, statements.

Every figure is worked out from the current versions of the institutions' records, with a constant
number of statements per request; a year is a range of record ids (ids carry the record's moment).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import select

from app.core import access, audit
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.calendar import business_date
from app.core.errors import NotFound, ValidationFailed
from app.core.money import Money
from app.core.pagination import Page, paginate
from app.core.views import WithFacts, with_facts
from app.extensions import db
from app.social_security import policies
from app.social_security.errors import RealNameRequired
from app.social_security.models import (
    ACCOUNT_SCHEMES,
    SCHEME_LABELS,
    STATUS_LABELS,
    Insured,
    InsuredStatus,
    Record,
    RecordKind,
    Scheme,
    first_id_on,
    label,
)
from app.social_security.services._shared import (
    MANDATE_SCOPE,
    insured_of_person,
    owner_of,
    resident_insured,
    source_for,
)

FIRST_YEAR, LAST_YEAR = 1990, 2100  # the years a statement or a history filter may ask for


def year_range(year: int) -> tuple[uuid.UUID, uuid.UUID]:
    """The record ids of one calendar year (Asia/Shanghai): ``low <= id < high``."""
    return first_id_on(date(year, 1, 1)), first_id_on(date(year + 1, 1, 1))


def months_between(first: date, last: date) -> int:
    """Months from ``first`` to ``last``, both counted."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


# --- the summary ------------------------------------------------------------------------------------


@dataclass
class SchemeSummary:
    """Where a person stands in one scheme."""

    scheme: str
    status: str | None = None
    status_since: date | None = None
    months_paid: int = 0
    continuous_months: int = 0
    first_month: str | None = None
    last_month: str | None = None
    last_base: Money | None = None
    last_employer_part: Money | None = None
    last_personal_part: Money | None = None
    employer_code: str | None = None
    employer_name: str | None = None
    as_of: datetime | None = None

    @property
    def scheme_label(self) -> str:
        """The scheme's name in the reader's language."""
        return label(SCHEME_LABELS, self.scheme)

    @property
    def status_label(self) -> str | None:
        """The status in the reader's language."""
        return label(STATUS_LABELS, self.status) if self.status else None


@dataclass
class AccountSummary:
    """A personal account's balance (medical insurance, housing fund)."""

    scheme: str
    balance: Money
    last_entry_on: date
    as_of: datetime

    @property
    def scheme_label(self) -> str:
        """The scheme's name in the reader's language."""
        return label(SCHEME_LABELS, self.scheme)


@dataclass
class Summary:
    """A person's records at a glance."""

    insured: Insured
    schemes: list[SchemeSummary] = field(default_factory=list)
    accounts: list[AccountSummary] = field(default_factory=list)
    loans: list[Record] = field(default_factory=list)
    as_of: datetime | None = None

    @property
    def name(self) -> str:
        """The masked name the institutions hold."""
        return self.insured.name_masked

    @property
    def national_id(self) -> str:
        """The masked national ID."""
        return self.insured.national_id_masked


def my_summary(actor: Actor) -> Summary:
    """The resident's (or the grantor's) summary; a proxy's look is in the grantor's access log."""
    _person, insured = resident_insured(actor, "ss_summary")
    return summary_of(insured)


def staff_summary(actor: Actor, person_id: uuid.UUID, reason: str) -> Summary:
    """A resident's summary for staff helping them (audited with the reason; 404 without records)."""
    policies.require_staff_reader(actor)
    try:
        insured = insured_of_person(person_id)
    except RealNameRequired:
        insured = None
    if insured is None:
        raise NotFound()
    audit.record(actor, person_id, AuditAction.READ, "ss_summary", insured.id, reason)
    return summary_of(insured)


def summary_of(insured: Insured) -> Summary:
    """Status, months paid, the latest contribution and employer per scheme; balances; loans."""
    summary = Summary(insured=insured)
    current = (Record.insured_id == insured.id, Record.is_current)
    by_scheme = {scheme: SchemeSummary(scheme=scheme) for scheme in Scheme}
    for row in db.session.execute(
        select(Record.scheme, Record.status, Record.occurred_on, Record.as_of)
        .where(*current, Record.kind == RecordKind.STATUS)
        .order_by(Record.occurred_on, Record.as_of)
    ):
        item = by_scheme[row.scheme]
        item.status, item.status_since, item.as_of = (
            row.status,
            row.occurred_on,
            _later(item.as_of, row.as_of),
        )
    months: dict[str, set[date]] = {}
    latest: dict[str, Record] = {}
    for record in db.session.scalars(
        select(Record).where(*current, Record.kind == RecordKind.CONTRIBUTION).order_by(Record.occurred_on)
    ):
        months.setdefault(record.scheme, set()).add(record.occurred_on)
        latest[record.scheme] = record
        by_scheme[record.scheme].as_of = _later(by_scheme[record.scheme].as_of, record.as_of)
    for scheme, paid in months.items():
        _fill_contributions(by_scheme[scheme], paid, latest[scheme])
    summary.schemes = [item for item in by_scheme.values() if item.status or item.months_paid]
    summary.accounts = _accounts(insured.id)
    summary.loans = list(
        db.session.scalars(
            select(Record).where(*current, Record.kind == RecordKind.LOAN).order_by(Record.occurred_on.desc())
        )
    )
    moments = [s.as_of for s in summary.schemes] + [a.as_of for a in summary.accounts]
    moments += [loan.as_of for loan in summary.loans]
    summary.as_of = max((m for m in moments if m is not None), default=None)
    return summary


def paid_months(insured_id: uuid.UUID, scheme: str) -> list[date]:
    """The months a scheme's contributions were recorded for, oldest first."""
    stmt = select(Record.occurred_on).where(
        Record.insured_id == insured_id,
        Record.is_current,
        Record.kind == RecordKind.CONTRIBUTION,
        Record.scheme == scheme,
    )
    return sorted(set(db.session.scalars(stmt)))


def _later(first: datetime | None, second: datetime) -> datetime:
    return second if first is None or second > first else first


def _fill_contributions(item: SchemeSummary, paid: set[date], last: Record) -> None:
    ordered = sorted(paid)
    item.months_paid = len(ordered)
    item.first_month, item.last_month = f"{ordered[0]:%Y-%m}", f"{ordered[-1]:%Y-%m}"
    run, expected = 0, ordered[-1]
    for month in reversed(ordered):
        if month != expected:
            break
        run += 1
        expected = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    item.continuous_months = run
    item.last_base, item.last_employer_part, item.last_personal_part = (
        last.base,
        last.employer_part,
        last.personal_part,
    )
    item.employer_code, item.employer_name = last.employer_code, last.employer_name
    if item.status is None:  # the institution sent contributions but no status record
        item.status = InsuredStatus.ACTIVE


def _accounts(insured_id: uuid.UUID) -> list[AccountSummary]:
    accounts = []
    for scheme in ACCOUNT_SCHEMES:
        last = db.session.scalar(
            select(Record)
            .where(
                Record.insured_id == insured_id,
                Record.scheme == scheme,
                Record.is_current,
                Record.kind == RecordKind.ACCOUNT_ENTRY,
            )
            .order_by(Record.id.desc())
            .limit(1)
        )
        if last is not None:
            accounts.append(AccountSummary(scheme, last.balance, last.occurred_on, last.as_of))
    return accounts


# --- history and one record ------------------------------------------------------------------------


def history(
    actor: Actor,
    *,
    cursor: str | None,
    limit: int,
    year: int | None = None,
    scheme: str | None = None,
    kind: str | None = None,
) -> Page:
    """The resident's records, newest first by when they happened, by year, scheme and kind."""
    _person, insured = resident_insured(actor, "ss_record")
    stmt = select(Record).where(Record.insured_id == insured.id, Record.is_current)
    if scheme is not None:
        stmt = stmt.where(Record.scheme == scheme)
    if kind is not None:
        stmt = stmt.where(Record.kind == kind)
    if year is not None:
        low, high = year_range(year)
        stmt = stmt.where(Record.id >= low, Record.id < high)
    return paginate(stmt, Record.id, cursor=cursor, limit=limit)


def _owners(record: Record) -> list[uuid.UUID]:
    owner = owner_of(record.insured_id)
    return [owner] if owner is not None else []


def get_record(actor: Actor, record_id: uuid.UUID) -> WithFacts:
    """One record with every version the institution sent (404 for anyone else's)."""
    record = access.load_private(
        actor, Record, record_id, scope=MANDATE_SCOPE, owner=_owners, also=policies.may_read_record
    )
    return with_facts(record, versions=_versions(record.source, record.record_no))


def _versions(source: str, record_no: str) -> list[Record]:
    stmt = select(Record).where(Record.source == source, Record.record_no == record_no)
    return list(db.session.scalars(stmt.order_by(Record.version.desc())))


def institution_record(actor: Actor, record_no: str) -> WithFacts:
    """The calling institution's record by its own id, every version (audited as the institution's read)."""
    source = source_for(actor)
    versions = _versions(source, record_no)
    if not versions:
        raise NotFound()
    current = next((v for v in versions if v.is_current), versions[0])
    audit.record(actor, owner_of(current.insured_id), AuditAction.READ, "ss_record", current.id)
    return with_facts(current, versions=versions)


# --- yearly statements ------------------------------------------------------------------------------


@dataclass
class SchemeYear:
    """One scheme's contributions in one year."""

    scheme: str
    months: int
    employer_total: Money
    personal_total: Money
    total: Money
    monthly: list[Record]

    @property
    def scheme_label(self) -> str:
        """The scheme's name in the reader's language."""
        return label(SCHEME_LABELS, self.scheme)


@dataclass
class AccountYear:
    """One personal account's year: what came in, what went out, the balances."""

    scheme: str
    entries: int
    money_in: Money
    money_out: Money
    opening: Money
    closing: Money

    @property
    def scheme_label(self) -> str:
        """The scheme's name in the reader's language."""
        return label(SCHEME_LABELS, self.scheme)

    @property
    def balanced(self) -> bool:
        """Opening + in - out == closing, as the institution's balances say."""
        return self.opening + self.money_in - self.money_out == self.closing


@dataclass
class Statement:
    """A person's yearly statement (年度对账单)."""

    year: int
    insured: Insured
    schemes: list[SchemeYear]
    accounts: list[AccountYear]
    generated_on: date

    @property
    def name(self) -> str:
        """The masked name."""
        return self.insured.name_masked

    @property
    def contributions_total(self) -> Money:
        """Everything paid into the schemes this year, employer and person."""
        return Money.total([item.total for item in self.schemes])


def statement(actor: Actor, year: int) -> Statement:
    """The resident's statement of one year, from the current versions of the records."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            {"year": [gettext("Must be between %(min)s and %(max)s.", min=FIRST_YEAR, max=LAST_YEAR)]}
        )
    _person, insured = resident_insured(actor, "ss_statement")
    low, high = year_range(year)
    in_year = (Record.insured_id == insured.id, Record.is_current, Record.id >= low, Record.id < high)
    contributions = list(
        db.session.scalars(
            select(Record)
            .where(*in_year, Record.kind == RecordKind.CONTRIBUTION)
            .order_by(Record.occurred_on)
        )
    )
    schemes = []
    for scheme in Scheme:
        rows = [r for r in contributions if r.scheme == scheme]
        if rows:
            employer = Money(sum(r.employer_fen for r in rows))
            personal = Money(sum(r.personal_fen for r in rows))
            months = len({r.occurred_on for r in rows})
            schemes.append(SchemeYear(scheme, months, employer, personal, employer + personal, rows))
    accounts = [a for a in (_account_year(in_year, scheme) for scheme in ACCOUNT_SCHEMES) if a]
    return Statement(year, insured, schemes, accounts, business_date())


def _account_year(in_year: tuple, scheme: str) -> AccountYear | None:
    base = select(Record).where(*in_year, Record.kind == RecordKind.ACCOUNT_ENTRY, Record.scheme == scheme)
    entries = list(db.session.scalars(base.order_by(Record.id)))
    if not entries:
        return None
    money_in = Money(sum(e.amount_fen for e in entries if e.amount_fen > 0))
    money_out = Money(-sum(e.amount_fen for e in entries if e.amount_fen < 0))
    opening = Money(entries[0].balance_fen - entries[0].amount_fen)
    return AccountYear(scheme, len(entries), money_in, money_out, opening, Money(entries[-1].balance_fen))
