"""What the OpenID Connect provider's parts share: lifetimes, scopes, the signed-in end user."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.identity import tokens
from app.identity.models import (
    Person,
)

CODE_TTL = timedelta(minutes=5)


ID_TOKEN_TTL = timedelta(minutes=10)


OIDC_SCOPES = ("openid", "profile", "phone", "offline_access")


EXTENSION_KEY = "yimatong_oauth"


@dataclass(frozen=True)
class EndUser:
    """The person signed in on the hosted page, and when they signed in."""

    person: Person
    auth_time: datetime


def digest(raw: str) -> str:
    """How codes and refresh tokens are stored: SHA-256 of 256-bit random strings."""
    return hashlib.sha256(raw.encode()).hexdigest()


def _access_ttl() -> timedelta:
    return timedelta(seconds=tokens.access_token_lifetime())
