"""The console's server-side sessions: the browser holds only a random id; everything else is here."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import IdMixin, UTCDateTime
from app.core.pii import EncryptedString
from app.extensions import db


class ConsoleSession(IdMixin, db.Model):
    """One browser's console session: a sign-in under way (state, PKCE verifier), then a signed-in person.

    The cookie carries a random token; only its SHA-256 is stored, so a copy of this table opens no
    session. The refresh token of the sign-in is kept encrypted, to revoke the sign-in on sign-out.
    """

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    # While signing in: what the callback checks, and where to go afterwards.
    oauth_state: Mapped[str | None] = mapped_column(String(64))
    oauth_nonce: Mapped[str | None] = mapped_column(String(64))
    code_verifier: Mapped[str | None] = mapped_column(EncryptedString)
    next_path: Mapped[str | None] = mapped_column(String(300))
    # Once signed in: the sign-in's refresh token (revoked on sign-out) and its generation.
    refresh_token: Mapped[str | None] = mapped_column(EncryptedString)
    sign_in_generation: Mapped[int | None] = mapped_column()
    signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
