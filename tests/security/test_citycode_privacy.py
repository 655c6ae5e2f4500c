"""Finding 17: a collector of scanned codes cannot link them to one person; the verify endpoint can.

Every code carries a new subject (an encrypted block holding the person's code key, the issue time and
random bytes), a new ``jti`` and a new signature. An offline gate still detects a replay within the
code's lifetime by its ``jti``; the online check resolves the subject back to the resident.
"""

from __future__ import annotations

import base64
import json

import pytest

from app.identity import clients
from tests.security.helpers import client_token


def _claims(code: str) -> dict:
    payload = code.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture
def gate(client, db):
    _, secret = clients.register_client("scanner", "地铁2号线闸机", client_id="sec-gate")
    return client_token(client, "sec-gate", secret)


def _codes(client, auth, person, count=5) -> list[str]:
    return [client.get("/api/v1/me/citycode", headers=auth(person)).get_json()["code"] for _ in range(count)]


def test_codes_of_one_resident_share_no_subject_jti_or_any_other_linking_value(client, auth, resident):
    claims = [_claims(code) for code in _codes(client, auth, resident)]
    assert len({c["sub"] for c in claims}) == len(claims), "one subject per code"
    assert len({c["jti"] for c in claims}) == len(claims)
    assert {key for c in claims for key in c} == {"sub", "iat", "exp", "jti"}, "nothing else in a code"


def test_two_residents_codes_cannot_be_told_apart_by_their_shape(client, auth, resident, other_resident):
    mine, theirs = (
        _claims(_codes(client, auth, resident, 1)[0]),
        _claims(_codes(client, auth, other_resident, 1)[0]),
    )
    assert len(mine["sub"]) == len(theirs["sub"]) == 22


def test_the_online_check_still_resolves_each_code_to_the_resident(client, auth, resident, gate):
    for code in _codes(client, auth, resident, 3):
        verified = client.post(
            "/api/v1/citycode/verify", json={"code": code, "purpose": "transit"}, headers=gate
        )
        assert verified.get_json()["valid"] is True, verified.get_json()
    scans = client.get("/api/v1/me/citycode/scans", headers=auth(resident)).get_json()["items"]
    assert [scan["outcome"] for scan in scans] == ["accepted"] * 3


def test_a_subject_moved_into_another_code_names_nobody(client, auth, resident, other_resident, gate):
    # A code forged with someone else's subject does not verify (the signature), and a subject is
    # bound to its issue time: the server refuses a subject whose time is not the code's own.
    from app.identity import citycode

    theirs = _claims(_codes(client, auth, other_resident, 1)[0])
    assert citycode.person_key_of(theirs["sub"], theirs["iat"] + 1) is None
    assert citycode.person_key_of(theirs["sub"], theirs["iat"]) is not None


def test_a_replayed_code_is_refused_online(client, auth, resident, gate):
    (code,) = _codes(client, auth, resident, 1)
    first = client.post("/api/v1/citycode/verify", json={"code": code, "purpose": "transit"}, headers=gate)
    again = client.post("/api/v1/citycode/verify", json={"code": code, "purpose": "transit"}, headers=gate)
    assert first.get_json()["valid"] is True
    assert again.get_json() | {"message": None} == {
        "valid": False,
        "purpose": "transit",
        "reason": "replayed",
        "claims": {},
        "message": None,
    }
