"""Kernel tables: audit log and the working-day calendar."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Date, DateTime, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.i18n import pick
from app.core.ids import new_id
from app.core.upsert import add_new, insert_for  # noqa: F401 - add_new: a new row unless it repeats a key
from app.extensions import db

utcnow = clock.utcnow  # aware UTC now; the only clock the database sees


def upsert_insert(target):
    """An INSERT on ``target`` (a model or table) that can say ``on_conflict_do_*``, on either engine.

    For rows two requests may create at once (a counter, a dedupe key): the database settles the
    race, not a read before the write. Compiled once per shape, like any other statement
    (app.core.upsert).
    """
    return insert_for(db.session.get_bind().dialect.name, target)


class UTCDateTime(db.TypeDecorator):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite loses tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Python value to database value."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        """Database value to Python value."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class IdMixin:
    """UUIDv7 primary key and creation time."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class LocalizedName:
    """Reference data named in every supported language (a district, a department, a biller, ...).

    ``name`` is the reader's (the request's locale, or the one forced for a job); ``names`` all three,
    for a notification rendered later in its recipient's language.
    """

    name_zh_hans: Mapped[str] = mapped_column(String(120))
    name_zh_hant: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))

    @property
    def names(self) -> dict[str, str]:
        """The name in every supported language."""
        return {"zh_Hans": self.name_zh_hans, "zh_Hant": self.name_zh_hant, "en": self.name_en}

    @property
    def name(self) -> str:
        """The name in the reader's language."""
        return pick(self.names)

    def set_names(self, names: dict[str, str]) -> None:
        """Name it in each language (Simplified Chinese stands in for a missing one)."""
        self.name_zh_hans = names["zh_Hans"]
        self.name_zh_hant = names.get("zh_Hant") or names["zh_Hans"]
        self.name_en = names.get("en") or names["zh_Hans"]


class AuditEntry(IdMixin, db.Model):
    """Who read or changed whose personal data, when, through which client, and why."""

    __tablename__ = "audit_entries"

    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    on_behalf_of_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    client_id: Mapped[str | None] = mapped_column(String(64))
    subject_person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(20))
    resource: Mapped[str] = mapped_column(String(120))  # what kind of record (bill, payment_intent, ...)
    resource_id: Mapped[str | None] = mapped_column(String(64))  # which one, when it is one record
    reason: Mapped[str] = mapped_column(String(255), default="")

    __table_args__ = (
        Index("ix_audit_entries_subject_created", "subject_person_id", "created_at"),  # the last look
        Index("ix_audit_entries_subject_id", "subject_person_id", "id"),  # a person's log, a page a range
    )


class CalendarDay(db.Model):
    """A date that breaks the weekly pattern: a public holiday or a make-up working day (调休)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "holiday" | "workday"
    name: Mapped[str] = mapped_column(String(60), default="")
