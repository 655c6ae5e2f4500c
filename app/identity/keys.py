"""Ed25519 signing keys: created on demand, rotated without breaking tokens already issued."""

from __future__ import annotations

import json
import warnings
from contextlib import contextmanager
from datetime import datetime, timedelta

from joserfc import jwt
from joserfc.jwk import KeySet, OKPKey

from app.core.models import utcnow
from app.extensions import db
from app.identity.models import SigningKey

ALG = "EdDSA"  # RFC 8037; what gate scanners and JOSE libraries in the field verify
# A retired key stays published this long, so every token it signed can still be verified.
RETIRED_KEY_GRACE = timedelta(days=2)

_cache: dict[str, OKPKey] = {}


@contextmanager
def _eddsa_allowed():
    """Joserfc warns that RFC 9864 prefers "Ed25519"; scanners in the field still expect "EdDSA"."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="EdDSA is deprecated")
        yield


def active_key(purpose: str) -> SigningKey:
    """The newest unretired key for ``purpose``, created if there is none."""
    key = db.session.scalar(
        db.select(SigningKey)
        .where(SigningKey.purpose == purpose, SigningKey.retired_at.is_(None))
        .order_by(SigningKey.id.desc())
    )
    return key or rotate_key(purpose)


def rotate_key(purpose: str) -> SigningKey:
    """Create a new key for ``purpose`` and retire the previous ones (still published)."""
    now = utcnow()
    for old in db.session.scalars(
        db.select(SigningKey).where(SigningKey.purpose == purpose, SigningKey.retired_at.is_(None))
    ):
        old.retired_at = now
    generated = OKPKey.generate_key("Ed25519", auto_kid=True)
    kid = f"{purpose}-{generated.kid[:16]}"
    private = {**generated.as_dict(private=True), "kid": kid}
    public = {**generated.as_dict(private=False), "kid": kid, "alg": ALG, "use": "sig"}
    key = SigningKey(kid=kid, purpose=purpose, private_jwk=json.dumps(private), public_jwk=public)
    db.session.add(key)
    db.session.flush()
    return key


def published_keys(purpose: str, now: datetime | None = None) -> list[dict]:
    """Public JWKs of active keys and of keys retired within the grace period."""
    now = now or utcnow()
    rows = db.session.scalars(
        db.select(SigningKey).where(SigningKey.purpose == purpose).order_by(SigningKey.id.desc())
    )
    return [
        row.public_jwk for row in rows if row.retired_at is None or now - row.retired_at < RETIRED_KEY_GRACE
    ]


def sign(purpose: str, header: dict, claims: dict) -> str:
    """A compact JWS of ``claims`` signed with the active key of ``purpose``."""
    key_row = active_key(purpose)
    key = _private_key(key_row)
    with _eddsa_allowed():
        return jwt.encode({**header, "alg": ALG, "kid": key_row.kid}, claims, key, algorithms=[ALG])


def decode(token: str, purpose: str) -> jwt.Token:
    """Verify the signature of ``token`` against the published keys of ``purpose``."""
    with _eddsa_allowed():
        return jwt.decode(token, _verification_keys(purpose), algorithms=[ALG])


def _private_key(row: SigningKey) -> OKPKey:
    cache_key = "private:" + row.kid
    if cache_key not in _cache:
        _cache[cache_key] = OKPKey.import_key(json.loads(row.private_jwk))
    return _cache[cache_key]


def _verification_keys(purpose: str) -> KeySet:
    cache_key = "public:" + purpose
    cached = _cache.get(cache_key)
    if cached is None:
        cached = _load_public(purpose)
    return cached


def _load_public(purpose: str) -> KeySet:
    keys = KeySet([OKPKey.import_key(jwk) for jwk in published_keys(purpose)])
    _cache["public:" + purpose] = keys
    return keys


def refresh_verification_keys(purpose: str) -> None:
    """Reload published keys (after a rotation, or on an unknown ``kid``)."""
    _load_public(purpose)


def forget_cached_keys() -> None:
    """Drop every cached key (tests and rotation commands)."""
    _cache.clear()
