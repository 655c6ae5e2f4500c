"""The dynamic city code (城市码): a short-lived Ed25519-signed token shown as a QR code.

A code names the person by a subject that is new in every code: one AES block holding the person's
random code key, the issue time and four random bytes, encrypted with a key only the server holds.
Two codes of one person share nothing a collector could link (the subject, ``jti`` and signature all
differ), while the online verification decrypts the subject back to the person. Gate scanners verify
a code offline against the published JWKS; the online verification also refuses revoked and replayed
codes, writes the resident's scan log, and answers with only what the scanner's purpose may know.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import segno
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from redis.exceptions import RedisError
from sqlalchemy import bindparam
from sqlalchemy.orm import defer

from app.core import audit
from app.core.actors import Actor, ActorKind, Role
from app.core.audit import AuditAction
from app.core.errors import Forbidden, ValidationFailed
from app.core.models import add_new, utcnow
from app.core.pagination import Page, paginate
from app.core.pii import derived_key, mask_national_id
from app.core.policy import require_scope
from app.extensions import db, get_redis
from app.identity import keys, scanlog
from app.identity.errors import ReplayCheckUnavailable
from app.identity.models import CityCodeScan, CityCodeSeen, Person, new_citycode_key

MAX_TTL_SECONDS = 120
CLOCK_SKEW_SECONDS = 5
VERIFY_SCOPE = "citycode:verify"
IDENTITY_SCOPE = "citycode:identity"
SEEN_PREFIX = "ymt:citycode:seen:"
SUBJECT_KEY_BYTES = 8  # the person's random code key, inside the encrypted subject
# The QR mask is fixed rather than chosen by scoring all eight: scoring is four fifths of the CPU
# of a fresh code (segno: about 29 ms of 34), and a code is minted on every refresh of every
# resident's screen. Any mask decodes; the scores only steer away from large blocks and finder-like
# runs, which a payload of base64url signature bytes rarely has under any mask.
QR_MASK = 2
QR_IMAGES = frozenset({"svg", "png"})  # what a fresh code comes with unless fewer are asked for


class Purpose:
    """Why a code is scanned; each purpose sees only its own claims."""

    TRANSIT = "transit"
    PARKING = "parking"
    LIBRARY = "library"
    COMMUNITY_GATE = "community_gate"
    HOSPITAL = "hospital"
    VENUE = "venue"
    CARE_VISIT = "care_visit"  # a home-care worker at the elder's door (visit verification)


@dataclass(frozen=True)
class PurposeRule:
    """What a scanner checking a code for one purpose may learn, and the scope it needs for that."""

    claims: tuple[str, ...] = ()
    scope: str | None = None  # besides citycode:verify; a purpose with a scope discloses personal data
    # People holding one of these roles may scan for this purpose at work, named by a Scanner (a
    # merchant's staff at an elder's door), besides machine clients with citycode:verify.
    roles: tuple[str, ...] = ()


# Purposes are data: a new gate (a venue, a compound) is a new entry naming the claims it may see.
PURPOSE_RULES: dict[str, PurposeRule] = {
    Purpose.TRANSIT: PurposeRule(),
    Purpose.PARKING: PurposeRule(),
    Purpose.LIBRARY: PurposeRule(("real_name_verified",)),
    Purpose.COMMUNITY_GATE: PurposeRule(("real_name_verified",)),
    Purpose.VENUE: PurposeRule(("real_name_verified",)),
    Purpose.CARE_VISIT: PurposeRule(roles=(Role.MERCHANT_OWNER, Role.MERCHANT_STAFF)),
    Purpose.HOSPITAL: PurposeRule(("real_name_verified", "legal_name", "national_id"), scope=IDENTITY_SCOPE),
}
PURPOSES = tuple(PURPOSE_RULES)
# How each claim is read from the person; only the claims a purpose names are ever read.
CLAIM_READERS = {
    "real_name_verified": lambda person: person.verified_at is not None,
    "legal_name": lambda person: person.legal_name,
    "national_id": lambda person: mask_national_id(person.national_id),
}


ACCEPTED = "accepted"
REASONS = {
    "malformed": _l("This is not a city code."),
    "unknown_key": _l("The code was not signed by a key of this city."),
    "bad_signature": _l("The code's signature does not match: it was altered or forged."),
    "expired": _l("The code has expired. Ask the resident to refresh it."),
    "unknown_subject": _l("The code belongs to no resident."),
    "revoked": _l("The code was revoked by its owner."),
    "replayed": _l("The code was already used. Ask the resident to refresh it."),
}


@dataclass(frozen=True)
class IssuedCode:
    """A fresh code, and its QR images."""

    code: str
    issued_at: datetime
    expires_at: datetime
    svg: str | None = None
    png: bytes | None = None

    @property
    def png_data_uri(self) -> str | None:
        """The PNG as a ``data:`` URI, ready for an ``<img>`` (None when it was not asked for)."""
        return None if self.png is None else "data:image/png;base64," + base64.b64encode(self.png).decode()


@dataclass
class Verification:
    """The outcome of an online verification: valid or the refusal reason, and the purpose's claims."""

    valid: bool
    purpose: str
    reason: str | None = None
    claims: dict = field(default_factory=dict)
    person_id: object = None

    @property
    def message(self) -> str | None:
        """The refusal reason in the caller's language."""
        return str(REASONS[self.reason]) if self.reason else None


def _ttl() -> int:
    return min(int(current_app.config["CITYCODE_TTL_SECONDS"]), MAX_TTL_SECONDS)


def _revoked_before_epoch(person: Person) -> int | None:
    if person.citycode_revoked_before is None:
        return None
    return math.ceil(person.citycode_revoked_before.timestamp())


def has_subject(person) -> bool:
    """Whether the person (entity or the request's read of them) holds a well-formed code key."""
    return person.citycode_subject is not None and len(person.citycode_subject) == _encoded_length(
        SUBJECT_KEY_BYTES
    )


def subject_of(person: Person) -> str:
    """The person's random code key (never shown as such: codes carry it encrypted)."""
    if not has_subject(person):
        person.citycode_subject = new_citycode_key()  # a row made outside the model; people get one at birth
        db.session.flush()
    return person.citycode_subject


def code_subject(person: Person, issued_at: int) -> str:
    """A subject for one code: the person's key, the issue time and 4 random bytes, as one AES block.

    A single block encrypted with a pseudorandom permutation under the server's key: the plaintext
    never repeats (random bytes and time), so two subjects of one person look unrelated to anyone
    without the key. The block is authenticated by the code's signature, not by the cipher.
    """
    block = _b64decode(subject_of(person)) + issued_at.to_bytes(4, "big") + secrets.token_bytes(4)
    encryptor = _subject_cipher().encryptor()
    return _b64(encryptor.update(block) + encryptor.finalize())


def person_key_of(subject: str, issued_at: int) -> str | None:
    """The person's code key inside a code's subject, or None when it is not one of ours."""
    try:
        block = _b64decode(subject)
    except ValueError:
        return None
    if len(block) != 16:
        return None
    decryptor = _subject_cipher().decryptor()
    plain = decryptor.update(block) + decryptor.finalize()
    if int.from_bytes(plain[SUBJECT_KEY_BYTES : SUBJECT_KEY_BYTES + 4], "big") != issued_at:
        return None
    return _b64(plain[:SUBJECT_KEY_BYTES])


def _subject_cipher() -> Cipher:
    # One 16-byte block per subject, never repeated: ECB on a single block is the bare block cipher.
    return Cipher(algorithms.AES(derived_key("citycode-subject")), modes.ECB())  # noqa: S305


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def _encoded_length(size: int) -> int:
    return math.ceil(size * 4 / 3)


def issue_code(person: Person, now: datetime | None = None, images: frozenset[str] = QR_IMAGES) -> IssuedCode:
    """Sign a fresh code for ``person``: ``sub`` (new in every code), ``iat``, ``exp``, ``jti``.

    ``images``: the QR images to draw with it (``svg``, ``png``); an app that draws the QR itself
    asks for none, and the code then costs a signature instead of about 12 ms of drawing.
    """
    issued = math.floor((now or utcnow()).timestamp())
    floor = _revoked_before_epoch(person)
    if floor is not None and issued < floor:
        issued = floor  # a code issued in the second of a revocation must still be valid
    claims = {
        "sub": code_subject(person, issued),
        "iat": issued,
        "exp": issued + _ttl(),
        "jti": secrets.token_urlsafe(12),
    }
    code = keys.sign(keys.CITYCODE, {}, claims, default_type=None)
    svg = png = None
    if images:
        qr = segno.make(code, error="m", micro=False, mask=QR_MASK)
        if "svg" in images:
            svg = qr.svg_inline(scale=4, border=2)
        if "png" in images:
            drawn = io.BytesIO()
            qr.save(drawn, kind="png", scale=4, border=2)
            png = drawn.getvalue()
    return IssuedCode(
        code=code,
        issued_at=datetime.fromtimestamp(issued, UTC),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        svg=svg,
        png=png,
    )


def revoke_codes(person: Person) -> datetime:
    """Invalidate every code issued to ``person`` until now (a lost phone)."""
    person.citycode_revoked_before = utcnow()
    return person.citycode_revoked_before


def verify_code(
    actor: Actor,
    code: str,
    purpose: str,
    now: datetime | None = None,
    scanner: scanlog.Scanner | None = None,
) -> Verification:
    """Check a code online for a scanner: signature, expiry, revocation and replay, then log the scan.

    The scanner is a machine client with ``citycode:verify``, or (``scanner`` given) a person holding
    a role the purpose admits, scanning at work for the business ``scanner`` names.
    """
    rule = PURPOSE_RULES.get(purpose)
    if rule is None:
        raise ValidationFailed({"purpose": [gettext("Unknown purpose.")]})
    if scanner is None or not _scans_at_work(actor, rule):
        require_scope(actor, VERIFY_SCOPE)
    if rule.scope and not actor.has_scope(rule.scope):
        raise Forbidden(
            gettext("This scanner may not read identities: it lacks the scope %(scope)s.", scope=rule.scope)
        )
    moment = now or utcnow()
    claims, reason = _verified_claims(code)
    if reason:
        return Verification(valid=False, purpose=purpose, reason=reason)
    person = _person_of(claims, rule)
    if person is None:
        return Verification(valid=False, purpose=purpose, reason="unknown_subject")
    reason = _refusal(person, claims, moment)
    if reason is None:
        reason = _spend(actor, person, purpose, claims, scanner)  # the replay check, and the scan logged
    else:
        scanlog.record(actor, person.id, purpose, claims["jti"], reason, scanner)
    result = Verification(valid=reason is None, purpose=purpose, reason=reason, person_id=person.id)
    if result.valid:
        result.claims = {name: CLAIM_READERS[name](person) for name in rule.claims}
        if rule.scope:
            audit.record(
                actor, person.id, AuditAction.SCAN, f"citycode:{purpose}", reason="city code scanned"
            )
    return result


def _scans_at_work(actor: Actor, rule: PurposeRule) -> bool:
    return bool(rule.roles) and actor.kind is ActorKind.PERSON and actor.has_role(*rule.roles)


# The holder of a code, built once; their legal name and national ID (decrypted when loaded) are
# read only for a purpose that discloses them.
_HOLDER = db.select(Person).where(Person.citycode_subject == bindparam("person_key"))
_HOLDER_WITHOUT_IDENTITY = _HOLDER.options(defer(Person.legal_name), defer(Person.national_id))


def _person_of(claims: dict, rule: PurposeRule) -> Person | None:
    person_key = person_key_of(claims["sub"], claims["iat"])
    if person_key is None:
        return None
    discloses = {"legal_name", "national_id"} & set(rule.claims)
    return db.session.scalar(_HOLDER if discloses else _HOLDER_WITHOUT_IDENTITY, {"person_key": person_key})


def verify_offline(code: str, published: dict, now: float) -> tuple[dict, str | None]:
    """A gate's check without the network: ``published`` maps ``kid`` to a key of the JWKS.

    Signature, header and claim shapes as the online check (``_verified_claims``), and expiry at
    ``now`` (epoch seconds); not revocation nor replay, which only the online check knows. Returns
    the claims and None, or ``{}`` and the refusal reason.
    """
    try:
        header, parts = keys.compact_header(code.strip())
    except keys.BadCompact:
        return {}, "malformed"
    if not keys.is_simple_ed25519_header(header):
        return {}, "malformed"
    key = published.get(header["kid"])
    if key is None:
        return {}, "unknown_key"
    try:
        claims = json.loads(keys.verify_ed25519_parts(parts, key))
    except (keys.BadSignature, keys.BadCompact, ValueError, UnicodeDecodeError):
        return {}, "bad_signature"
    if not _well_formed(claims):
        return {}, "malformed"
    if claims["exp"] <= now or claims["iat"] > now + CLOCK_SKEW_SECONDS:
        return {}, "expired"
    return claims, None


def _well_formed(claims) -> bool:
    return (
        isinstance(claims, dict)
        and isinstance(claims.get("sub"), str)
        and isinstance(claims.get("jti"), str)
        and isinstance(claims.get("iat"), int)
        and isinstance(claims.get("exp"), int)
        and 0 < claims["exp"] - claims["iat"] <= MAX_TTL_SECONDS
    )


def _verified_claims(code: str) -> tuple[dict, str | None]:
    """The claims of a well-formed code signed by a published key, or the refusal reason.

    A code's header is ``alg`` EdDSA and ``kid`` (what ``issue_code`` writes); anything else in it
    (``crit``, ``b64``, another algorithm) is refused as malformed. The signature is checked with
    ``cryptography``'s Ed25519 verify on the published key (``keys.verify_ed25519_parts``).
    """
    try:
        header, parts = keys.compact_header(code.strip())
    except keys.BadCompact:
        return {}, "malformed"
    if not keys.is_simple_ed25519_header(header):
        return {}, "malformed"
    key = keys.verification_key(keys.CITYCODE, header["kid"])
    if key is None:
        return {}, "unknown_key"
    try:
        claims = json.loads(keys.verify_ed25519_parts(parts, key))
    except (keys.BadSignature, keys.BadCompact, ValueError, UnicodeDecodeError):
        return {}, "bad_signature"
    return (claims, None) if _well_formed(claims) else ({}, "malformed")


def _refusal(person: Person, claims: dict, now: datetime) -> str | None:
    """Expired or revoked; None when the code may be spent (the replay check comes next)."""
    moment = now.timestamp()
    if claims["exp"] <= moment or claims["iat"] > moment + CLOCK_SKEW_SECONDS:
        return "expired"
    floor = _revoked_before_epoch(person)
    if floor is not None and claims["iat"] < floor:
        return "revoked"
    return None


def _spend(
    actor: Actor, person: Person, purpose: str, claims: dict, scanner: scanlog.Scanner | None = None
) -> str | None:
    """Record the code's ``jti`` as seen and log the scan; "replayed" when it was seen before.

    One store for every node: Redis when the deployment has it, the database otherwise. When Redis is
    configured but unreachable the check fails closed (503) instead of falling back to the database:
    nodes that still reach Redis would not see what this node wrote there, and a code could pass once
    on each side. With the scan buffer, claiming the ``jti`` and logging the scan are one round trip
    to Redis (``scanlog.claim_and_record``).
    """
    jti, expires_at = claims["jti"], datetime.fromtimestamp(claims["exp"], UTC)
    redis = get_redis()
    if redis is not None:
        ttl = max(1, int((expires_at - utcnow()).total_seconds()) + CLOCK_SKEW_SECONDS)
        if scanlog.buffered():
            fresh = scanlog.claim_and_record(actor, person.id, purpose, jti, ttl, SEEN_PREFIX + jti, scanner)
            return None if fresh else "replayed"
        try:
            fresh = bool(redis.set(SEEN_PREFIX + jti, "1", nx=True, ex=ttl))
        except RedisError as exc:
            raise ReplayCheckUnavailable() from exc
    else:
        fresh = _first_sighting_in_database(jti, expires_at)
    outcome = None if fresh else "replayed"
    scanlog.record(actor, person.id, purpose, jti, outcome or ACCEPTED, scanner)
    return outcome


def _first_sighting_in_database(jti: str, expires_at: datetime) -> bool:
    return add_new(CityCodeSeen(jti=jti, expires_at=expires_at + timedelta(seconds=CLOCK_SKEW_SECONDS)))


def scans_of(person_id, *, cursor: str | None, limit: int) -> Page:
    """Every online verification of the person's codes, newest first."""
    stmt = db.select(CityCodeScan).where(CityCodeScan.person_id == person_id)
    return paginate(stmt, CityCodeScan.id, cursor=cursor, limit=limit)


def prune(now: datetime | None = None) -> int:
    """Forget the ``jti`` of codes that have expired; returns how many."""
    result = db.session.execute(db.delete(CityCodeSeen).where(CityCodeSeen.expires_at <= (now or utcnow())))
    return result.rowcount or 0
