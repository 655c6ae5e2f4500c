"""Insured people, the institutions' records (every version kept), and certificates.

A record is one fact an institution holds about one insured person: an insured status per scheme,
a monthly contribution (or housing-fund deposit), an entry of the medical-insurance or housing-fund
account, a housing-fund loan. Institutions name records by their own id (``record_no``); a record
sent again with other content is a correction: the earlier version stays, no longer current.

Record ids are UUIDv7 stamped with the record's own moment (the first day of its month, the day of
its entry), not the moment it arrived, so keyset pagination on ``id`` lists a resident's history
newest first by what happened, and a year is a range of ids.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime, time
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.calendar import SHANGHAI
from app.core.models import IdMixin, UTCDateTime, utcnow
from app.core.money import Money
from app.core.pii import EncryptedString, mask_name, mask_national_id
from app.extensions import db


class Source(StrEnum):
    """Which institution holds a record: the social-security bureau or the housing-fund centre."""

    SOCIAL_SECURITY = "social_security"
    HOUSING_FUND = "housing_fund"


class Scheme(StrEnum):
    """The five insurances (五险) and the housing provident fund (一金)."""

    PENSION = "pension"
    MEDICAL = "medical"
    UNEMPLOYMENT = "unemployment"
    WORK_INJURY = "work_injury"
    MATERNITY = "maternity"
    HOUSING_FUND = "housing_fund"


INSURANCE_SCHEMES = tuple(s for s in Scheme if s is not Scheme.HOUSING_FUND)
ACCOUNT_SCHEMES = (Scheme.MEDICAL, Scheme.HOUSING_FUND)  # the schemes with a personal account


def source_of(scheme: str) -> Source:
    """The institution that keeps a scheme's records."""
    return Source.HOUSING_FUND if scheme == Scheme.HOUSING_FUND else Source.SOCIAL_SECURITY


class RecordKind(StrEnum):
    """What a record is."""

    STATUS = "status"  # insured status in a scheme from a date (参保状态)
    CONTRIBUTION = "contribution"  # one month's contribution, or housing-fund deposit (缴费 / 缴存)
    ACCOUNT_ENTRY = "account_entry"  # medical or housing-fund account in or out, with the balance after
    LOAN = "loan"  # a housing-fund loan: principal and what is still owed


class InsuredStatus(StrEnum):
    """Where a person stands in a scheme."""

    ACTIVE = "active"  # 正常参保 / 正常缴存
    SUSPENDED = "suspended"  # 暂停缴费 / 封存
    TERMINATED = "terminated"  # 终止参保 / 销户


class EntryType(StrEnum):
    """What moved money in or out of a personal account."""

    CREDIT = "credit"  # 划入 (from contributions)
    SPEND = "spend"  # 消费 (outpatient, pharmacy)
    INTEREST = "interest"  # 结息
    WITHDRAWAL = "withdrawal"  # 提取 (rent, purchase, retirement, ...)
    TRANSFER = "transfer"  # 转入 / 转出
    ADJUSTMENT = "adjustment"  # 调整


class CertificateKind(StrEnum):
    """The certificates a resident can download."""

    CONTRIBUTION = "contribution"  # 参保缴费证明
    HOUSING_FUND = "housing_fund"  # 住房公积金缴存证明


SCHEME_LABELS = {
    Scheme.PENSION: _l("Pension insurance"),
    Scheme.MEDICAL: _l("Medical insurance"),
    Scheme.UNEMPLOYMENT: _l("Unemployment insurance"),
    Scheme.WORK_INJURY: _l("Work-injury insurance"),
    Scheme.MATERNITY: _l("Maternity insurance"),
    Scheme.HOUSING_FUND: _l("Housing provident fund"),
}
STATUS_LABELS = {
    InsuredStatus.ACTIVE: _l("Contributing"),
    InsuredStatus.SUSPENDED: _l("Suspended"),
    InsuredStatus.TERMINATED: _l("Terminated"),
}
KIND_LABELS = {
    RecordKind.STATUS: _l("Insured status"),
    RecordKind.CONTRIBUTION: _l("Monthly contribution"),
    RecordKind.ACCOUNT_ENTRY: _l("Account entry"),
    RecordKind.LOAN: _l("Housing-fund loan"),
}
ENTRY_LABELS = {
    EntryType.CREDIT: _l("Credited"),
    EntryType.SPEND: _l("Spent"),
    EntryType.INTEREST: _l("Interest"),
    EntryType.WITHDRAWAL: _l("Withdrawal"),
    EntryType.TRANSFER: _l("Transfer"),
    EntryType.ADJUSTMENT: _l("Adjustment"),
}
CERTIFICATE_LABELS = {
    CertificateKind.CONTRIBUTION: _l("Certificate of social insurance contributions"),
    CertificateKind.HOUSING_FUND: _l("Certificate of housing provident fund deposits"),
}


def label(labels: dict, value: str | None) -> str:
    """A value's name in the reader's language (the value itself when unknown)."""
    found = labels.get(value)
    return str(found) if found is not None else (value or "")


# --- ids stamped with the record's own moment -------------------------------------------------------


def moment_of(day: date) -> datetime:
    """The start of a day in Asia/Shanghai, as an aware UTC datetime."""
    return datetime.combine(day, time(), SHANGHAI).astimezone(UTC)


def event_id(day: date) -> uuid.UUID:
    """A UUIDv7 whose timestamp is the start of ``day`` (Asia/Shanghai), with 74 random bits."""
    millis = int(moment_of(day).timestamp() * 1000)
    rand = int.from_bytes(os.urandom(10), "big") >> 6
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (rand >> 62) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def first_id_on(day: date) -> uuid.UUID:
    """The smallest record id of ``day``: ids from ``first_id_on(a)`` below ``first_id_on(b)``: a range."""
    millis = int(moment_of(day).timestamp() * 1000)
    return uuid.UUID(int=(millis << 80) | (0x7 << 76) | (0b10 << 62))


# --- tables -----------------------------------------------------------------------------------------


class Insured(IdMixin, db.Model):
    """A person as the institutions know them: by national ID (encrypted; looked up by keyed hash)."""

    __tablename__ = "ss_insured"

    national_id: Mapped[str] = mapped_column(EncryptedString)
    national_id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(EncryptedString)
    name_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def name_masked(self) -> str:
        """张** (what a verifier of a certificate sees)."""
        return mask_name(self.name) or ""

    @property
    def national_id_masked(self) -> str:
        """520***********0021."""
        return mask_national_id(self.national_id) or ""


class Record(db.Model):
    """One version of one institution's record about one insured person."""

    __tablename__ = "ss_records"
    __table_args__ = (
        UniqueConstraint("source", "record_no", "version"),
        Index(
            "ix_ss_records_current_no",
            "source",
            "record_no",
            unique=True,
            postgresql_where=text("is_current"),
            sqlite_where=text("is_current"),
        ),
        # History: one resident's current records newest first, all schemes or one.
        Index(
            "ix_ss_records_history",
            "insured_id",
            "id",
            postgresql_where=text("is_current"),
            sqlite_where=text("is_current"),
        ),
        Index(
            "ix_ss_records_history_scheme",
            "insured_id",
            "scheme",
            "id",
            postgresql_where=text("is_current"),
            sqlite_where=text("is_current"),
        ),
        # The month's contributions of everyone (the sweep for employers that stopped paying).
        Index(
            "ix_ss_records_month",
            "kind",
            "scheme",
            "occurred_on",
            "insured_id",
            postgresql_where=text("is_current"),
            sqlite_where=text("is_current"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    record_no: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    insured_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("ss_insured.id"))
    kind: Mapped[str] = mapped_column(String(20))
    scheme: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date] = mapped_column(Date)  # the month (its first day) or the day
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(12))
    entry_type: Mapped[str | None] = mapped_column(String(12))
    base_fen: Mapped[int | None] = mapped_column(BigInteger)
    employer_fen: Mapped[int | None] = mapped_column(BigInteger)
    personal_fen: Mapped[int | None] = mapped_column(BigInteger)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    balance_fen: Mapped[int | None] = mapped_column(BigInteger)
    employer_code: Mapped[str | None] = mapped_column(String(18))
    employer_name: Mapped[str | None] = mapped_column(String(120))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    digest: Mapped[str] = mapped_column(String(32))
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    insured: Mapped[Insured] = relationship(lazy="raise")

    def _money(self, fen: int | None) -> Money | None:
        return None if fen is None else Money(fen)

    @property
    def base(self) -> Money | None:
        """The contribution base (缴费基数)."""
        return self._money(self.base_fen)

    @property
    def employer_part(self) -> Money | None:
        """What the employer paid."""
        return self._money(self.employer_fen)

    @property
    def personal_part(self) -> Money | None:
        """What the person paid."""
        return self._money(self.personal_fen)

    @property
    def amount(self) -> Money | None:
        """Contribution total, account entry (signed: + in, - out) or loan principal."""
        return self._money(self.amount_fen)

    @property
    def balance(self) -> Money | None:
        """The account balance after the entry, or what a loan still owes."""
        return self._money(self.balance_fen)

    @property
    def period(self) -> str | None:
        """``2026-10`` for a monthly contribution."""
        return f"{self.occurred_on:%Y-%m}" if self.kind == RecordKind.CONTRIBUTION else None

    @property
    def scheme_label(self) -> str:
        """The scheme's name in the reader's language."""
        return label(SCHEME_LABELS, self.scheme)

    @property
    def kind_label(self) -> str:
        """What the record is, in the reader's language."""
        return label(KIND_LABELS, self.kind)

    @property
    def status_label(self) -> str | None:
        """The insured status in the reader's language."""
        return label(STATUS_LABELS, self.status) if self.status else None

    @property
    def entry_label(self) -> str | None:
        """The account entry's type in the reader's language."""
        return label(ENTRY_LABELS, self.entry_type) if self.entry_type else None


class Certificate(IdMixin, db.Model):
    """A certificate issued to a resident: its facts frozen at issue and signed by its code."""

    __tablename__ = "ss_certificates"
    __table_args__ = (Index("ix_ss_certificates_person", "person_id", "id"),)

    serial: Mapped[str] = mapped_column(String(12), unique=True)
    signature: Mapped[str] = mapped_column(String(12))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    insured_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("ss_insured.id"))
    kind: Mapped[str] = mapped_column(String(20))
    facts: Mapped[dict] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[date] = mapped_column(Date)
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    @property
    def code(self) -> str:
        """The verification code as printed: serial and signature in groups of four, joined by hyphens."""
        raw = self.serial + self.signature
        return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))

    @property
    def kind_label(self) -> str:
        """The certificate's title in the reader's language."""
        return label(CERTIFICATE_LABELS, self.kind)

    def status_on(self, today: date) -> str:
        """Valid until its last day, then expired (its facts stay checkable)."""
        return "valid" if today <= self.valid_until else "expired"
