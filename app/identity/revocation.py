"""Revoked access tokens and token families: the database is the only record, read on every request.

A revocation is a row of ``revoked_tokens`` (``jti:...`` for one access token, ``sid:...`` for a whole
sign-in), kept until every token it covers has expired. The check is not a look-up of its own: it is
an ``EXISTS`` folded into the one indexed statement that loads the caller on each request (the person
with their current roles, or the institution's client), so a revocation written on any node holds on
every node from the next request on, whether Redis answers or not. Redis keeps no copy that could
disagree with the database (a revocation once lived only in Redis or only in the database when Redis
was unreachable on one node; that cannot happen any more).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, String, bindparam, exists, false, or_

from app.core.models import UTCDateTime, utcnow
from app.extensions import db
from app.identity.models import RevokedToken


def _keys(jti: str | None, family_id: str | None) -> list[str]:
    return [key for key in (f"jti:{jti}" if jti else None, f"sid:{family_id}" if family_id else None) if key]


def revoked(jti: str | None, family_id: str | None = None) -> ColumnElement[bool]:
    """SQL truth value, for a larger select: the token ``jti`` or its family ``family_id`` is revoked."""
    keys = _keys(jti, family_id)
    if not keys:
        return false()
    return exists().where(RevokedToken.key.in_(keys), RevokedToken.expires_at > utcnow())


# The same truth value with bound parameters (:func:`parameters`), for statements built once.
REVOKED = exists().where(
    or_(
        RevokedToken.key == bindparam("revoked_jti", type_=String),
        RevokedToken.key == bindparam("revoked_sid", type_=String),
    ),
    RevokedToken.expires_at > bindparam("revoked_now", type_=UTCDateTime),
)


def parameters(claims: dict) -> dict:
    """The values of :data:`REVOKED` for a token's claims (a missing ``jti`` or ``sid`` matches nothing)."""
    jti, sid = claims.get("jti"), claims.get("sid")
    return {
        "revoked_jti": f"jti:{jti}" if jti else None,
        "revoked_sid": f"sid:{sid}" if sid else None,
        "revoked_now": utcnow(),
    }


def is_revoked(jti: str | None, family_id: str | None = None) -> bool:
    """True when the access token ``jti`` or its family ``family_id`` was revoked."""
    return bool(db.session.scalar(db.select(revoked(jti, family_id))))


def revoke_access_token(jti: str, expires_at: datetime) -> None:
    """Refuse the access token ``jti`` from now until it would have expired."""
    _revoke(f"jti:{jti}", expires_at)


def revoke_family(family_id: str, lifetime: timedelta) -> None:
    """Refuse every access token of a token family still alive (they live at most ``lifetime``)."""
    _revoke(f"sid:{family_id}", utcnow() + lifetime)


def _revoke(key: str, expires_at: datetime) -> None:
    if expires_at <= utcnow():
        return
    row = db.session.get(RevokedToken, key)
    if row is None:
        db.session.add(RevokedToken(key=key, expires_at=expires_at))
    else:
        row.expires_at = max(row.expires_at, expires_at)
    db.session.flush()


def prune(now: datetime | None = None) -> int:
    """Delete revocations whose tokens have all expired; returns how many."""
    result = db.session.execute(db.delete(RevokedToken).where(RevokedToken.expires_at <= (now or utcnow())))
    return result.rowcount or 0
