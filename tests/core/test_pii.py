"""Personal data: ID numbers and phones validated, encrypted at rest, hashed for look-up, masked."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app.core import clock, pii
from app.identity.models import Person

VALID_ID = "11010519491231002X"  # Beijing Xicheng, born 1949-12-31
LEAP_DAY_ID = "520102200002291232"  # Guiyang Nanming, born 2000-02-29


@pytest.fixture
def other_keys(app):
    """Switch to another deployment's keys for one test, then back to the app's."""
    yield lambda secret: pii.configure(None, None, secret)
    pii.configure(app.config["PII_ENCRYPTION_KEY"], app.config["PII_HASH_KEY"], app.config["SECRET_KEY"])


# --- national ID numbers ---------------------------------------------------------------


def test_valid_national_id_is_normalized():
    assert pii.normalize_national_id(" 11010519491231002x ") == VALID_ID
    assert pii.normalize_national_id(LEAP_DAY_ID) == LEAP_DAY_ID


def test_a_birth_date_is_in_the_future_by_the_one_clock_not_the_machine_date():
    with clock.frozen(datetime(2000, 2, 27, 12, tzinfo=UTC)), pytest.raises(pii.InvalidPII):
        pii.normalize_national_id(LEAP_DAY_ID)
    with clock.frozen(datetime(2000, 2, 29, 0, tzinfo=UTC)):  # 08:00 in Shanghai on the day of birth
        assert pii.normalize_national_id(LEAP_DAY_ID) == LEAP_DAY_ID


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("110105194912310021", "wrong check digit"),
        ("520102209901011231", "born in 2099"),
        ("520102199002301239", "30 February"),
        ("990102199001011237", "no such region"),
        ("11010519491231002", "17 characters"),
        ("1101051949123100XX", "letter inside the number"),
        ("", "empty"),
    ],
)
def test_invalid_national_id_is_refused(number, why):
    with pytest.raises(pii.InvalidPII):
        pii.normalize_national_id(number)


def test_age_on_counts_whole_years_from_the_birth_date():
    assert pii.birth_date_of(VALID_ID) == date(1949, 12, 31)
    assert pii.age_on(VALID_ID, date(2026, 12, 30)) == 76
    assert pii.age_on(VALID_ID, date(2026, 12, 31)) == 77


def test_age_on_for_a_leap_day_birth():
    assert pii.age_on(LEAP_DAY_ID, date(2026, 2, 28)) == 25
    assert pii.age_on(LEAP_DAY_ID, date(2026, 3, 1)) == 26
    assert pii.age_on(LEAP_DAY_ID, date(2028, 2, 29)) == 28


# --- masking ----------------------------------------------------------------------------


def test_national_id_mask_keeps_region_prefix_and_last_four():
    masked = pii.mask_national_id(VALID_ID)
    assert masked == "110***********002X"
    assert len(masked) == len(VALID_ID)
    assert "1949" not in masked
    assert pii.mask_national_id(None) is None


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+8613812345678", "138****5678"),
        ("+861065529988", "+86******9988"),
        ("+85291234567", "+85*****4567"),
        (None, None),
    ],
)
def test_phone_mask_hides_the_middle(phone, masked):
    assert pii.mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("name", "masked"), [("张三丰", "张**"), ("李雷", "李*"), ("李", "李"), ("Li Lei", "L*****"), ("", "")]
)
def test_name_mask_keeps_the_first_character(name, masked):
    assert pii.mask_name(name) == masked


# --- phone numbers and credit codes --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("+86 138 1234 5678", "+8613812345678"),
        ("13812345678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("0086 13812345678", "+8613812345678"),
        ("010-65529988", "+861065529988"),
        ("(0851) 8555 1234", "+8685185551234"),
        ("+852 9123 4567", "+85291234567"),
    ],
)
def test_phone_numbers_are_normalized_to_e164(text, e164):
    assert pii.normalize_phone(text) == e164


@pytest.mark.parametrize("text", ["12345", "1381234567", "+86 12345678901", "abc", "", "10086"])
def test_invalid_phone_numbers_are_refused(text):
    with pytest.raises(pii.InvalidPII):
        pii.normalize_phone(text)


def test_unified_social_credit_code():
    assert pii.normalize_credit_code(" 91110000600037341l ") == "91110000600037341L"
    for bad in ("91110000600037341M", "A1110000600037341L", "9111000060003734", "91110000600037341I"):
        with pytest.raises(pii.InvalidPII):
            pii.normalize_credit_code(bad)


# --- encryption and look-up hashes -----------------------------------------------------------


def test_encryption_round_trips_and_never_repeats(app):
    first, second = pii.encrypt(VALID_ID), pii.encrypt(VALID_ID)
    assert first != second
    assert first.startswith("v1.") and VALID_ID not in first
    assert pii.decrypt(first) == pii.decrypt(second) == VALID_ID
    assert pii.decrypt(pii.encrypt("张三丰")) == "张三丰"


def _flip_last_byte(token: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token[3:]))
    raw[-1] ^= 0x01
    return "v1." + base64.urlsafe_b64encode(bytes(raw)).decode()


def test_tampered_ciphertext_is_detected(app):
    token = pii.encrypt(VALID_ID)
    with pytest.raises(ValueError, match="authentication"):
        pii.decrypt(_flip_last_byte(token))
    with pytest.raises(ValueError):
        pii.decrypt("v2." + token[3:])
    with pytest.raises(ValueError):
        pii.decrypt("v1.!!")


def test_ciphertext_from_another_key_does_not_decrypt(app, other_keys):
    token = pii.encrypt(VALID_ID)
    other_keys("another-deployment")
    with pytest.raises(ValueError):
        pii.decrypt(token)


def test_lookup_hash_is_deterministic_and_keyed(app, other_keys):
    digest = pii.lookup_hash(VALID_ID)
    assert digest == pii.lookup_hash(VALID_ID)
    assert len(digest) == 64 and VALID_ID not in digest
    assert digest != pii.lookup_hash(LEAP_DAY_ID)
    other_keys("another-deployment")
    assert pii.lookup_hash(VALID_ID) != digest


def test_configured_keys_must_be_32_bytes(other_keys):
    short = base64.urlsafe_b64encode(b"x" * 16).decode()
    with pytest.raises(RuntimeError, match="32 bytes"):
        pii.configure(short, None, "secret")


def test_encrypted_columns_hold_only_ciphertext(db, make_person):
    person = make_person()
    person.national_id = VALID_ID
    person.legal_name = "张三丰"
    db.session.flush()
    people = Person.__table__
    raw = db.session.execute(
        sa.select(sa.literal_column("national_id"), sa.literal_column("legal_name"))
        .select_from(people)
        .where(people.c.id == person.id)
    ).one()
    assert raw.national_id.startswith("v1.") and VALID_ID not in raw.national_id
    assert raw.legal_name.startswith("v1.") and "张" not in raw.legal_name
    assert pii.decrypt(raw.national_id) == VALID_ID
    db.session.expire_all()
    assert db.session.get(Person, person.id).national_id == VALID_ID
