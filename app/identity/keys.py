"""Signing keys per purpose: created with the database, published ahead of use, rotated without a break.

Access tokens and city codes are signed with Ed25519 (``alg: EdDSA``); ID tokens with RSA
(``RS256``), the one algorithm every OpenID Connect relying party must accept.

Each purpose has one *active* key (it signs) and one *next* key (published, not yet signing), both
made when the database is migrated. Rotation promotes the next key once it has been published for
``NEXT_KEY_LEAD`` (a day), so a verifier that caches the key set for a day already holds it; the
old key is retired but stays published for ``RETIRED_KEY_GRACE``, and a new next key is made.
"""

from __future__ import annotations

import binascii
import functools
import json
import threading
import warnings
from collections import OrderedDict
from contextlib import contextmanager
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from joserfc import jws, jwt
from joserfc.jwk import KeySet, OKPKey, RSAKey, import_key
from sqlalchemy.orm import Session

from app.core.models import utcnow
from app.extensions import db
from app.identity.models import SigningKey

ALG = "EdDSA"  # RFC 8037; what gate scanners and JOSE libraries in the field verify
RSA_ALG = "RS256"
ACCESS = "access"
ID_TOKEN = "id_token"  # noqa: S105 - a key purpose, not a secret
CITYCODE = "citycode"
PURPOSE_ALGS = {ACCESS: ALG, ID_TOKEN: RSA_ALG, CITYCODE: ALG}
# Keys that verify tokens of the OpenID provider (JWKS at /.well-known/jwks.json).
OIDC_PURPOSES = (ACCESS, ID_TOKEN)
# A retired key stays published this long, so every token it signed can still be verified.
RETIRED_KEY_GRACE = timedelta(days=2)
# The next key is published at least this long before it signs: how long verifiers may cache keys.
NEXT_KEY_LEAD = timedelta(days=1)
JWKS_MAX_AGE = int(NEXT_KEY_LEAD.total_seconds())


class RotationTooEarly(Exception):
    """The next key has not been published long enough for verifiers that cache the key set."""

    def __init__(self, purpose: str, ready_at: datetime):
        super().__init__(
            f"the next {purpose} key has been published since {ready_at - NEXT_KEY_LEAD:%Y-%m-%d %H:%M}Z; "
            f"verifiers caching keys for a day know it from {ready_at:%Y-%m-%d %H:%M}Z"
        )
        self.ready_at = ready_at


_cache: dict[str, object] = {}
# Tokens whose signature was verified, newest last: a client sends the same access token with every
# call for its whole lifetime, and an Ed25519 check through joserfc costs more than the rest of a
# small request. Only the signature is remembered (expiry, issuer and audience are checked on every
# use by the caller); the memory is dropped whenever this process's verification keys change, so a
# token is accepted exactly as long as its key would accept it.
VERIFIED_MAX = 8192
_verified: OrderedDict[tuple[str, str], jwt.Token] = OrderedDict()
_verified_lock = threading.Lock()


@contextmanager
def _eddsa_allowed():
    """Joserfc warns that RFC 9864 prefers "Ed25519"; scanners in the field still expect "EdDSA"."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="EdDSA is deprecated")
        yield


def algorithm_of(purpose: str) -> str:
    """The JWS algorithm that signs tokens of ``purpose``."""
    return PURPOSE_ALGS[purpose]


def active_key(purpose: str) -> SigningKey:
    """The key that signs for ``purpose`` (made, with the next one, if the database has none)."""
    return _active(db.session, purpose) or ensure_keys(db.session, purposes=(purpose,))[purpose]


def _active(session: Session, purpose: str) -> SigningKey | None:
    return session.scalar(
        db.select(SigningKey)
        .where(
            SigningKey.purpose == purpose,
            SigningKey.retired_at.is_(None),
            SigningKey.activated_at.is_not(None),
        )
        .order_by(SigningKey.activated_at.desc(), SigningKey.id.desc())
        .limit(1)
    )


def _next(session: Session, purpose: str) -> SigningKey | None:
    return session.scalar(
        db.select(SigningKey)
        .where(
            SigningKey.purpose == purpose,
            SigningKey.retired_at.is_(None),
            SigningKey.activated_at.is_(None),
        )
        .order_by(SigningKey.id)
        .limit(1)
    )


def ensure_keys(session: Session, purposes: tuple[str, ...] = tuple(PURPOSE_ALGS)) -> dict[str, SigningKey]:
    """Give every purpose an active and a next key (run after the migrations); returns the active ones."""
    now = utcnow()
    active = {}
    for purpose in purposes:
        active[purpose] = _active(session, purpose) or _new_key(session, purpose, activated_at=now)
        if _next(session, purpose) is None:
            _new_key(session, purpose, activated_at=None)
    session.flush()
    return active


def _generate(purpose: str):
    if algorithm_of(purpose) == RSA_ALG:
        return RSAKey.generate_key(2048, auto_kid=True)
    return OKPKey.generate_key("Ed25519", auto_kid=True)


def _new_key(session: Session, purpose: str, *, activated_at: datetime | None) -> SigningKey:
    generated = _generate(purpose)
    kid = f"{purpose}-{generated.kid[:16]}"
    private = {**generated.as_dict(private=True), "kid": kid}
    public = {**generated.as_dict(private=False), "kid": kid, "alg": algorithm_of(purpose), "use": "sig"}
    key = SigningKey(
        kid=kid,
        purpose=purpose,
        private_jwk=json.dumps(private),
        public_jwk=public,
        activated_at=activated_at,
    )
    session.add(key)
    session.flush()
    _cache.pop("public:" + purpose, None)
    _forget_published(purpose)
    _forget_verified()
    return key


def rotate_key(purpose: str, *, now: datetime | None = None, early: bool = False) -> SigningKey:
    """Sign with the next key from now on, retire the active one (still published), publish a new next key.

    Refused (``RotationTooEarly``) while the next key has been published for less than
    ``NEXT_KEY_LEAD``, unless ``early`` (a compromised key: verifiers fetch keys again on an unknown kid).
    """
    moment = now or utcnow()
    ensure_keys(db.session, purposes=(purpose,))
    upcoming = _next(db.session, purpose)
    ready_at = upcoming.created_at + NEXT_KEY_LEAD
    if moment < ready_at and not early:
        raise RotationTooEarly(purpose, ready_at)
    current = _active(db.session, purpose)
    if current is not None:
        current.retired_at = moment
    upcoming.activated_at = moment
    _new_key(db.session, purpose, activated_at=None)  # forgets this process's signer and key sets
    return upcoming


def published_keys(purpose: str, now: datetime | None = None) -> list[dict]:
    """Public JWKs of the active and next keys, and of keys retired within the grace period."""
    now = now or utcnow()
    rows = db.session.scalars(
        db.select(SigningKey)
        .where(SigningKey.purpose == purpose)
        .order_by(SigningKey.activated_at.is_(None), SigningKey.id.desc())
    )
    return [
        row.public_jwk for row in rows if row.retired_at is None or now - row.retired_at < RETIRED_KEY_GRACE
    ]


def jwks(*purposes: str) -> dict:
    """A JSON Web Key Set of the public keys of ``purposes`` (never a private member).

    Kept by this process for ``HELD_SECONDS``: a rotation elsewhere publishes its next key a day
    ahead, so a set up to a minute old still holds every key that signs.
    """
    cache_key = "jwks:" + ",".join(purposes)
    held = _cache.get(cache_key)
    if held is not None and held[0] > utcnow():
        return held[1]
    document = {"keys": [key for purpose in purposes for key in published_keys(purpose)]}
    _cache[cache_key] = (utcnow() + timedelta(seconds=HELD_SECONDS), document)
    return document


# How long a process keeps the key that signs and the key sets it publishes before reading them
# again: far less than NEXT_KEY_LEAD and RETIRED_KEY_GRACE, so a rotation on another node is seen
# within a minute, and what was signed in that minute with the retired key still verifies.
HELD_SECONDS = 60


def _signer(purpose: str) -> tuple[str, object]:
    held = _cache.get("signer:" + purpose)
    if held is not None and held[0] > utcnow():
        return held[1], held[2]
    row = _active(db.session, purpose)
    if row is None:  # the first signature ever: made now, remembered once it has been committed
        row = ensure_keys(db.session, purposes=(purpose,))[purpose]
        return row.kid, _private_key(row)
    signer = (utcnow() + timedelta(seconds=HELD_SECONDS), row.kid, _private_key(row))
    _cache["signer:" + purpose] = signer
    return signer[1], signer[2]


def sign(purpose: str, header: dict, claims: dict, *, default_type: str | None = "JWT") -> str:
    """A compact JWS of ``claims`` signed with the active key of ``purpose``."""
    kid, key = _signer(purpose)
    alg = algorithm_of(purpose)
    with _eddsa_allowed():
        return jwt.encode(
            {**header, "alg": alg, "kid": kid},
            claims,
            key,
            algorithms=[alg],
            default_type=default_type,
        )


def _forget_published(purpose: str) -> None:
    for name in [name for name in _cache if name.startswith(("jwks:", "signer:" + purpose))]:
        _cache.pop(name, None)


def decode(token: str, purpose: str, *, remember: bool = False) -> jwt.Token:
    """Verify the signature of ``token`` against the published keys of ``purpose``.

    ``remember``: a token used again and again (an access token) is verified once per process and
    key set; a failure is never remembered.
    """
    if remember:
        with _verified_lock:
            known = _verified.get((purpose, token))
            if known is not None:
                _verified.move_to_end((purpose, token))
                return known
    alg = algorithm_of(purpose)
    with _eddsa_allowed():
        decoded = jwt.decode(token, _verification_keys(purpose), algorithms=[alg])
    if remember:
        with _verified_lock:
            _verified[(purpose, token)] = decoded
            if len(_verified) > VERIFIED_MAX:
                _verified.popitem(last=False)
    return decoded


def _forget_verified() -> None:
    with _verified_lock:
        _verified.clear()


def verification_key(purpose: str, kid: str):
    """The published key of ``purpose`` with this ``kid`` (reloaded once if unknown), or None."""
    for load in (_verification_keys, _load_public):
        for key in load(purpose).keys:
            if key.kid == kid:
                return key
    return None


def verify_compact(token: str, key, purpose: str) -> jws.CompactSignature:
    """Check the signature of a compact JWS with one key (raises BadSignatureError)."""
    with _eddsa_allowed():
        return jws.deserialize_compact(token, key, algorithms=[algorithm_of(purpose)])


class BadCompact(ValueError):
    """A compact JWS that is not three base64url parts with a JSON header (``malformed``)."""


class BadSignature(ValueError):
    """A compact Ed25519 JWS whose signature does not verify with the key it names."""


_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


def _b64url(part: str) -> bytes:
    """Strict base64url without padding (what JWS compact uses); BadCompact otherwise."""
    if not part or "+" in part or "/" in part or "=" in part:
        raise BadCompact("not base64url")
    try:
        raw = part.encode("ascii").translate(_TO_STANDARD) + b"=" * (-len(part) % 4)
        return binascii.a2b_base64(raw, strict_mode=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise BadCompact("not base64url") from exc


def compact_header(token: str) -> tuple[dict, list[str]]:
    """The protected header of a compact JWS and its three parts (BadCompact when it is not one).

    The header is the same for every token a key signs, so its decoding is remembered (a copy is
    returned: a caller cannot change what the next token gets).
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise BadCompact("not three parts")
    return dict(_header(parts[0])), parts


@functools.lru_cache(maxsize=64)
def _header(part: str) -> dict:
    try:
        header = json.loads(_b64url(part))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCompact("header is not JSON") from exc
    if not isinstance(header, dict):
        raise BadCompact("header is not an object")
    return header


def verify_ed25519_parts(parts: list[str], key) -> bytes:
    """The payload of a compact EdDSA JWS (already split, header checked) signed by ``key``.

    The same check as ``jws.deserialize_compact(token, key, algorithms=["EdDSA"])`` for a header of
    ``alg``, ``kid`` (and ``typ``) only, with the Ed25519 verify called straight on the key
    ``key`` wraps: joserfc's registry, header model and warnings cost more than the signature on a
    gate's hot path. Raises BadSignature (wrong signature) or BadCompact (undecodable parts).
    """
    signature = _b64url(parts[2])
    try:
        _ed25519(key).verify(signature, (parts[0] + "." + parts[1]).encode("ascii"))
    except InvalidSignature as exc:
        raise BadSignature("signature does not verify") from exc
    return _b64url(parts[1])


_SIMPLE_HEADER = frozenset({"alg", "kid", "typ"})


def is_simple_ed25519_header(header: dict) -> bool:
    """``alg`` EdDSA, a string ``kid``, perhaps a ``typ``, nothing else (no ``crit``, no ``b64``)."""
    return header.get("alg") == ALG and isinstance(header.get("kid"), str) and header.keys() <= _SIMPLE_HEADER


_ed25519_of: dict[int, tuple[object, Ed25519PublicKey]] = {}


def _ed25519(key) -> Ed25519PublicKey:
    """The ``cryptography`` public key inside a joserfc OKP key (remembered per key object)."""
    known = _ed25519_of.get(id(key))
    if known is not None and known[0] is key:
        return known[1]
    public = key.public_key
    if not isinstance(public, Ed25519PublicKey):
        raise BadSignature("not an Ed25519 key")
    if len(_ed25519_of) > 256:
        _ed25519_of.clear()
    _ed25519_of[id(key)] = (key, public)
    return public


def _private_key(row: SigningKey):
    cache_key = "private:" + row.kid
    if cache_key not in _cache:
        _cache[cache_key] = import_key(json.loads(row.private_jwk))
    return _cache[cache_key]


def _verification_keys(purpose: str) -> KeySet:
    cached = _cache.get("public:" + purpose)
    if cached is None:
        cached = _load_public(purpose)
    return cached


def _load_public(purpose: str) -> KeySet:
    keys = KeySet([import_key(jwk) for jwk in published_keys(purpose)])
    _cache["public:" + purpose] = keys
    _forget_verified()
    return keys


def refresh_verification_keys(purpose: str) -> None:
    """Reload published keys (after a rotation, or on an unknown ``kid``)."""
    _load_public(purpose)


def forget_cached_keys() -> None:
    """Drop every cached key (tests and rotation commands)."""
    _cache.clear()
    _forget_verified()
