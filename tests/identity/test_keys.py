"""Signing keys exist from the first start, and the next key is published a day before it signs."""

from datetime import timedelta

import pytest
from flask_migrate import upgrade

from app import create_app
from app.core.models import utcnow
from app.extensions import db as _db
from app.identity import keys
from config import TestConfig


def kids(client, url: str) -> list[str]:
    return [key["kid"] for key in client.get(url).get_json()["keys"]]


def test_a_migrated_database_publishes_an_active_and_a_next_key_per_purpose(tmp_path):
    fresh = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with fresh.app_context():
            upgrade()
        with fresh.test_client() as browser:
            tokens = browser.get("/.well-known/jwks.json").get_json()["keys"]
            codes = browser.get("/api/v1/citycode/jwks").get_json()["keys"]
        assert sorted(k["alg"] for k in tokens) == ["EdDSA", "EdDSA", "RS256", "RS256"]
        assert [k["alg"] for k in codes] == ["EdDSA", "EdDSA"]
        assert all("d" not in k and "p" not in k for k in tokens + codes)  # public halves only
    finally:
        keys.forget_cached_keys()
        with fresh.app_context():
            _db.engine.dispose()


def test_key_sets_may_be_cached_for_a_day(client):
    for url in ("/.well-known/jwks.json", "/api/v1/citycode/jwks"):
        assert client.get(url).headers["Cache-Control"] == "public, max-age=86400"


def test_rotation_signs_with_the_key_published_a_day_before(client, db):
    cached = kids(client, "/api/v1/citycode/jwks")  # what a gate fetched and keeps for a day
    active, upcoming = keys.active_key(keys.CITYCODE), keys._next(db.session, keys.CITYCODE)
    assert [active.kid, upcoming.kid] == cached

    rotated = keys.rotate_key(keys.CITYCODE, now=upcoming.created_at + timedelta(days=1, seconds=1))
    db.session.commit()

    assert rotated.kid == upcoming.kid in cached  # the gate's cached set already verifies new codes
    assert keys.active_key(keys.CITYCODE).kid == upcoming.kid
    now_published = kids(client, "/api/v1/citycode/jwks")
    assert now_published[0] == upcoming.kid and active.kid in now_published  # the old key stays a while
    assert len(now_published) == 3  # and a new next key is out, a day ahead of the next rotation


def test_rotating_before_the_next_key_is_a_day_old_is_refused_unless_now(app, db):
    before = keys.active_key(keys.ACCESS).kid
    keys.forget_cached_keys()
    runner = app.test_cli_runner()
    early = runner.invoke(args=["identity", "rotate-key", "--purpose", "access"])
    assert early.exit_code != 0 and "--now" in early.output
    assert keys.active_key(keys.ACCESS).kid == before
    forced = runner.invoke(args=["identity", "rotate-key", "--purpose", "access", "--now"])
    assert forced.exit_code == 0, forced.output
    assert keys.active_key(keys.ACCESS).kid != before


def test_a_retired_key_is_published_two_days(db):
    retired = keys.active_key(keys.ID_TOKEN)
    keys.rotate_key(keys.ID_TOKEN, early=True)
    db.session.flush()
    published = [k["kid"] for k in keys.published_keys(keys.ID_TOKEN)]
    later = [
        k["kid"] for k in keys.published_keys(keys.ID_TOKEN, now=utcnow() + timedelta(days=2, seconds=1))
    ]
    assert retired.kid in published and retired.kid not in later


@pytest.fixture(autouse=True)
def _fresh_cache():
    keys.forget_cached_keys()
    yield
    keys.forget_cached_keys()


def test_a_remembered_access_token_is_checked_again_when_the_key_set_changes(db):
    from joserfc.errors import JoseError

    from app.identity.models import SigningKey

    token = keys.sign(keys.ACCESS, {"typ": "at+jwt"}, {"sub": "someone"})
    assert keys.decode(token, keys.ACCESS, remember=True).claims["sub"] == "someone"
    assert keys.decode(token, keys.ACCESS, remember=True).claims["sub"] == "someone"  # from memory

    signer = keys.active_key(keys.ACCESS)
    db.session.delete(signer)  # the key is withdrawn everywhere, not just retired
    db.session.flush()
    keys.refresh_verification_keys(keys.ACCESS)
    with pytest.raises((JoseError, ValueError)):
        keys.decode(token, keys.ACCESS, remember=True)
    assert db.session.get(SigningKey, signer.id) is None
