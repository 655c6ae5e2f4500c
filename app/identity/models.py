"""People, their roles and the keys that sign their tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, UTCDateTime
from app.core.pii import EncryptedString
from app.extensions import db


class Person(IdMixin, db.Model):
    """One human: resident, and through roles staff or merchant member."""

    __tablename__ = "people"

    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    display_name: Mapped[str] = mapped_column(String(60), default="")
    locale: Mapped[str | None] = mapped_column(String(10))
    legal_name: Mapped[str | None] = mapped_column(EncryptedString)
    national_id: Mapped[str | None] = mapped_column(EncryptedString)
    national_id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    roles: Mapped[list[RoleGrant]] = relationship(
        back_populates="person", cascade="all, delete-orphan", foreign_keys="RoleGrant.person_id"
    )


class RoleGrant(IdMixin, db.Model):
    """A role held by a person, scoped to a department or merchant where the role needs one."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("person_id", "role", "department_id", "merchant_id"),)

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    department_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("departments.id"))
    merchant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    granted_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("people.id"))
    person: Mapped[Person] = relationship(back_populates="roles", foreign_keys=[person_id])


class SigningKey(IdMixin, db.Model):
    """An Ed25519 key; the private half encrypted at rest, the public half published in the JWKS."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))  # "access" | "citycode"
    private_jwk: Mapped[str] = mapped_column(EncryptedString)  # JSON, encrypted at rest
    public_jwk: Mapped[dict] = mapped_column(JSON)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccountLink(IdMixin, db.Model):
    """A person's account on another front end (the Telegram bot), by that front end's user id."""

    __tablename__ = "account_links"
    __table_args__ = (UniqueConstraint("provider", "external_id"),)

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))  # "telegram"
    external_id: Mapped[str] = mapped_column(String(64))  # Telegram chat id
