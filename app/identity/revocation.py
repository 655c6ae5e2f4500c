"""Revoked access tokens and token families: one cheap look-up per request.

With Redis configured each revocation is a key that expires with the tokens it covers, checked with
one ``EXISTS``; without Redis it is a row of ``revoked_tokens``, checked by primary key. Revocations
are always written to the database too, so losing Redis loses no record of what was revoked, and
while Redis is unreachable the check falls back to the database instead of failing the request.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis.exceptions import RedisError

from app.core.models import utcnow
from app.extensions import db, get_redis
from app.identity.models import RevokedToken

PREFIX = "ymt:revoked:"
log = logging.getLogger(__name__)


def _keys(jti: str | None, family_id: str | None) -> list[str]:
    return [key for key in (f"jti:{jti}" if jti else None, f"sid:{family_id}" if family_id else None) if key]


def is_revoked(jti: str | None, family_id: str | None = None) -> bool:
    """True when the access token ``jti`` or its family ``family_id`` was revoked."""
    keys = _keys(jti, family_id)
    if not keys:
        return False
    redis = get_redis()
    if redis is not None:
        try:
            return bool(redis.exists(*(PREFIX + key for key in keys)))
        except RedisError:
            log.warning("Redis unreachable: checking token revocation in the database")
    found = db.session.scalar(
        db.select(RevokedToken.key)
        .where(RevokedToken.key.in_(keys), RevokedToken.expires_at > utcnow())
        .limit(1)
    )
    return found is not None


def revoke_access_token(jti: str, expires_at: datetime) -> None:
    """Refuse the access token ``jti`` from now until it would have expired."""
    _revoke(f"jti:{jti}", expires_at)


def revoke_family(family_id: str, lifetime: timedelta) -> None:
    """Refuse every access token of a token family still alive (they live at most ``lifetime``)."""
    _revoke(f"sid:{family_id}", utcnow() + lifetime)


def _revoke(key: str, expires_at: datetime) -> None:
    ttl = int((expires_at - utcnow()).total_seconds()) + 1
    if ttl <= 0:
        return
    row = db.session.get(RevokedToken, key)
    if row is None:
        db.session.add(RevokedToken(key=key, expires_at=expires_at))
    else:
        row.expires_at = max(row.expires_at, expires_at)
    db.session.flush()
    redis = get_redis()
    if redis is not None:
        try:
            redis.set(PREFIX + key, "1", ex=ttl)
        except RedisError:
            log.warning("Redis unreachable: revocation %s recorded in the database only", key)


def prune(now: datetime | None = None) -> int:
    """Delete revocations whose tokens have all expired; returns how many."""
    result = db.session.execute(db.delete(RevokedToken).where(RevokedToken.expires_at <= (now or utcnow())))
    return result.rowcount or 0
