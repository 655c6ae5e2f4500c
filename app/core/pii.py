"""Personal data: validation, encryption at rest, keyed look-up hashes and masking."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from datetime import date, timedelta

import phonenumbers
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import String, Text
from sqlalchemy.types import TypeDecorator
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from app.core.clock import utcnow


class InvalidPII(ValueError):
    """A national ID, phone number or credit code failed validation."""


# --- validation -------------------------------------------------------------------------


def normalize_national_id(value: str) -> str:
    """Validate a PRC resident ID (check digit, birth date) and return its canonical form."""
    try:
        number = ric.validate(value.strip())
    except StdnumError as exc:
        raise InvalidPII(str(exc)) from exc
    except KeyError as exc:  # python-stdnum 2.2: a region whose county is not in its table (520199...)
        raise InvalidPII("unknown region") from exc
    if ric.get_birth_date(number) > _latest_date_on_earth():
        raise InvalidPII("birth date in the future")
    return number


def _latest_date_on_earth() -> date:
    """Today's date where it is latest (UTC+14), on the one clock: a birth date after it is in the future."""
    return (utcnow() + timedelta(hours=14)).date()


def birth_date_of(national_id: str) -> date:
    """The birth date encoded in a national ID."""
    return ric.get_birth_date(national_id)


def age_on(national_id: str, on: date) -> int:
    """Age in whole years on a given date, from the ID's birth date."""
    born = birth_date_of(national_id)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def normalize_phone(value: str, region: str = "CN") -> str:
    """Validate a phone number and return it in E.164 (``+8613812345678``)."""
    try:
        parsed = phonenumbers.parse(value.strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPII(str(exc)) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPII("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_credit_code(value: str) -> str:
    """Validate a unified social credit code (统一社会信用代码)."""
    try:
        return uscc.validate(value.strip().upper())
    except StdnumError as exc:
        raise InvalidPII(str(exc)) from exc


# --- masking ----------------------------------------------------------------------------


def mask_national_id(number: str | None) -> str | None:
    """``110105194912310021`` -> ``110***********0021``."""
    if not number:
        return number
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_phone(e164: str | None) -> str | None:
    """``+8613812345678`` -> ``138****5678``; other numbers keep country code and last four."""
    if not e164:
        return e164
    if e164.startswith("+86") and len(e164) == 14:
        national = e164[3:]
        return national[:3] + "****" + national[-4:]
    return e164[:3] + "*" * max(len(e164) - 7, 0) + e164[-4:]


def mask_name(name: str | None) -> str | None:
    """``张三丰`` -> ``张**``; ``Li Lei`` -> ``L*****``."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


# --- keys, encryption and look-up hashes -------------------------------------------------

_KEYS: dict[str, bytes] = {}


def configure(encryption_key: str | None, hash_key: str | None, secret_key: str) -> None:
    """Install the keys from settings; without them derive development keys from SECRET_KEY."""
    _KEYS["enc"] = _decode_key(encryption_key) if encryption_key else _derive(secret_key, b"pii-enc")
    _KEYS["hash"] = _decode_key(hash_key) if hash_key else _derive(secret_key, b"pii-hash")


def _decode_key(text: str) -> bytes:
    key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if len(key) != 32:
        raise RuntimeError("PII keys must be 32 bytes, urlsafe base64 encoded")
    return key


def _derive(secret: str, label: bytes) -> bytes:
    return hmac.new(secret.encode(), label, hashlib.sha256).digest()


def _key(name: str) -> bytes:
    if name not in _KEYS:
        raise RuntimeError("PII keys are not configured; create the app first")
    return _KEYS[name]


def derived_key(label: str) -> bytes:
    """A 32-byte key for one named use, derived from the look-up hash key (one secret to manage)."""
    return hmac.new(_key("hash"), b"derived:" + label.encode(), hashlib.sha256).digest()


def lookup_hash(value: str) -> str:
    """Keyed hash of a normalized value, for equality look-ups without decrypting."""
    return hmac.new(_key("hash"), value.encode(), hashlib.sha256).hexdigest()


def encrypt(plaintext: str) -> str:
    """AES-256-GCM with a random nonce; returns ``v1.<urlsafe base64>``."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key("enc")).encrypt(nonce, plaintext.encode(), b"yimatong-pii")
    return "v1." + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    """Reverse of :func:`encrypt`; ValueError when the ciphertext was altered or sealed with another key."""
    version, _, payload = token.partition(".")
    if version != "v1":
        raise ValueError("unknown PII ciphertext version")
    raw = base64.urlsafe_b64decode(payload)
    if len(raw) < 12 + 16:
        raise ValueError("PII ciphertext is truncated")
    try:
        return AESGCM(_key("enc")).decrypt(raw[:12], raw[12:], b"yimatong-pii").decode()
    except InvalidTag as exc:
        raise ValueError("PII ciphertext failed authentication (altered, or another key)") from exc


class EncryptedString(TypeDecorator):
    """A column stored encrypted at rest and read back as plain text."""

    impl = String(512)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Python value to database value."""
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        """Database value to Python value."""
        return None if value is None else decrypt(value)


class EncryptedText(EncryptedString):
    """An encrypted column without a length limit (keys, documents)."""

    impl = Text
    cache_ok = True
