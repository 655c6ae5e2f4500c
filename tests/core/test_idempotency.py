"""Idempotency keys: one run per caller and key, the first response replayed, other bodies refused."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app.core import idempotency
from app.core.actors import Actor, ActorKind
from app.core.errors import IdempotencyKeyInFlight, IdempotencyKeyMissing, IdempotencyKeyReused
from app.core.models import utcnow

PRINT = idempotency.fingerprint("POST", "/api/v1/things", b'{"a": 1, "b": [1, 2]}')


def _begin(key="key-1", caller="person:1", fingerprint=PRINT, now=None):
    return idempotency.begin(caller, key, fingerprint, method="POST", path="/api/v1/things", now=now)


def test_json_bodies_are_compared_by_content_not_layout():
    same = idempotency.fingerprint("post", "/api/v1/things", b'{"b":[1,2],\n "a":1}')
    assert same == PRINT
    assert idempotency.fingerprint("POST", "/api/v1/things", b'{"a": 2, "b": [1, 2]}') != PRINT
    assert idempotency.fingerprint("POST", "/api/v1/other", b'{"a": 1, "b": [1, 2]}') != PRINT
    assert idempotency.fingerprint("PUT", "/api/v1/things", b'{"a": 1, "b": [1, 2]}') != PRINT


def test_the_first_response_is_replayed_for_the_same_request(db):
    claim = _begin()
    assert isinstance(claim, idempotency.Claim)
    idempotency.complete(claim, 201, b'{"id": 7}', {"Content-Type": "application/json", "X-Other": "dropped"})

    stored = _begin()
    assert isinstance(stored, idempotency.StoredResponse)
    response = stored.to_response()
    assert (response.status_code, response.get_data()) == (201, b'{"id": 7}')
    assert response.headers["Idempotent-Replayed"] == "true"
    assert "X-Other" not in response.headers


def test_another_request_with_the_key_is_refused(db):
    idempotency.complete(_begin(), 200, b"{}", {})
    other = idempotency.fingerprint("POST", "/api/v1/things", b'{"a": 2}')
    with pytest.raises(IdempotencyKeyReused) as refused:
        _begin(fingerprint=other)
    assert refused.value.status == 422


def test_keys_belong_to_one_caller(db):
    idempotency.complete(_begin(caller="person:1"), 200, b"{}", {})
    assert isinstance(_begin(caller="person:2"), idempotency.Claim)


def test_a_request_in_flight_holds_the_key_until_it_finishes_or_dies(app, db):
    claim = _begin()
    with pytest.raises(IdempotencyKeyInFlight) as busy:
        _begin()
    assert busy.value.status == 409

    lock = timedelta(seconds=app.config["IDEMPOTENCY_LOCK_SECONDS"] + 1)
    taken = _begin(now=utcnow() + lock)
    assert taken == claim
    with pytest.raises(IdempotencyKeyInFlight):
        _begin(now=utcnow() + lock)


def test_a_released_key_can_be_used_again(db):
    idempotency.release(_begin())
    assert isinstance(_begin(fingerprint="another request"), idempotency.Claim)


def test_keys_are_kept_at_least_a_day(app, db):
    idempotency.complete(_begin(), 200, b"{}", {})
    assert idempotency.purge_expired(utcnow() + timedelta(hours=23)) == 0
    app.config["IDEMPOTENCY_KEY_TTL_HOURS"] = 1  # a shorter setting never goes under 24 h
    try:
        assert idempotency.purge_expired(utcnow() + timedelta(hours=23)) == 0
        assert idempotency.purge_expired(utcnow() + timedelta(hours=25)) == 1
    finally:
        app.config["IDEMPOTENCY_KEY_TTL_HOURS"] = 48
    assert isinstance(_begin(), idempotency.Claim)


def test_a_missing_key_is_a_bad_request():
    with pytest.raises(IdempotencyKeyMissing) as missing:
        idempotency.check_key(None)
    assert missing.value.status == 400


def test_each_kind_of_caller_has_its_own_key_space():
    person = uuid.uuid4()
    principal = uuid.uuid4()
    callers = {
        idempotency.caller_of(Actor(kind=ActorKind.PERSON, person_id=person)),
        idempotency.caller_of(Actor(kind=ActorKind.PROXY, person_id=person, principal_id=principal)),
        idempotency.caller_of(Actor(kind=ActorKind.CLIENT, client_id="biller-1")),
        idempotency.caller_of(Actor.system()),
    }
    assert len(callers) == 4


def test_the_purge_command_reports_what_it_deleted(app, db):
    result = app.test_cli_runner().invoke(args=["idempotency", "purge"])
    assert result.exit_code == 0 and "idempotency keys purged" in result.output
