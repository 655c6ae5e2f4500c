"""SMS behind one provider interface; the sandbox provider (default outside production) records messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import current_app
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.ids import new_id
from app.core.models import IdMixin
from app.extensions import db


class SmsError(Exception):
    """The provider refused or failed to send a message."""


@dataclass(frozen=True)
class SmsReceipt:
    """What the provider answered: its id for the message."""

    provider_message_id: str


class SmsProvider(Protocol):
    """Sends one text to one E.164 number."""

    def send(self, phone: str, body: str) -> SmsReceipt:
        """Send, or raise SmsError."""
        ...


class SandboxSms(IdMixin, db.Model):
    """A message the sandbox provider 'sent'; `flask sms log --phone ...` shows them."""

    __tablename__ = "sandbox_sms"

    phone: Mapped[str] = mapped_column(String(20), index=True)
    body: Mapped[str] = mapped_column(Text)
    provider_message_id: Mapped[str] = mapped_column(String(64))


class SandboxSmsProvider:
    """Records each message in the database; numbers in SMS_SANDBOX_FAILING fail (for fault tests)."""

    def send(self, phone: str, body: str) -> SmsReceipt:
        """Record the message, or fail for configured numbers."""
        failing = {
            p.strip() for p in current_app.config.get("SMS_SANDBOX_FAILING", "").split(",") if p.strip()
        }
        if phone in failing:
            raise SmsError(f"sandbox provider refused {phone}")
        message_id = "sbx-" + new_id().hex
        db.session.add(SandboxSms(phone=phone, body=body, provider_message_id=message_id))
        db.session.flush()
        return SmsReceipt(provider_message_id=message_id)


def sms_provider() -> SmsProvider:
    """The configured provider (only the sandbox exists until a carrier contract is signed)."""
    name = current_app.config.get("SMS_PROVIDER", "sandbox")
    if name == "sandbox":
        if not current_app.config["SANDBOX_PROVIDERS"]:
            raise RuntimeError("the sandbox SMS provider is not allowed in production")
        return SandboxSmsProvider()
    raise RuntimeError(f"unknown SMS_PROVIDER {name!r}")


def sandbox_log(phone: str, limit: int = 20) -> list[SandboxSms]:
    """The latest messages the sandbox recorded for a number, newest first."""
    stmt = db.select(SandboxSms).where(SandboxSms.phone == phone).order_by(SandboxSms.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))


__all__ = ["SandboxSms", "SmsError", "SmsProvider", "SmsReceipt", "sandbox_log", "sms_provider"]
