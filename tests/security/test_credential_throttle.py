"""Finding 10: wrong client secrets and Open311 api_keys are throttled per client address.

An address that keeps presenting wrong credentials gets 429 with Retry-After; the institution,
calling from its own address with the right secret, is never held back by someone else's failures.
"""

from __future__ import annotations

import pytest

from app.identity import clients
from tests.security.helpers import basic

ATTACKER, INSTITUTION = "203.0.113.50", "192.0.2.10"


@pytest.fixture
def water(db):
    _, secret = clients.register_client("biller", "水务集团缴费平台", client_id="sec-water")
    return secret


@pytest.fixture
def open311(db):
    _, api_key = clients.register_client("open311", "Open311 接入方", client_id="sec-open311")
    return api_key


def _token(client, secret, address):
    return client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic("sec-water", secret),
        environ_base={"REMOTE_ADDR": address},
    )


def test_wrong_client_secrets_are_throttled_for_the_address_that_sends_them(client, water):
    answers = [_token(client, f"guess-{n}", ATTACKER) for n in range(12)]
    assert [a.status_code for a in answers[:10]] == [401] * 10
    throttled = answers[10]
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert throttled.mimetype == "application/problem+json"
    assert _token(client, water, ATTACKER).status_code == 429, "even the right secret waits at that address"
    assert _token(client, water, INSTITUTION).status_code == 200, "the institution is not locked out"


def test_wrong_secrets_posted_in_the_form_count_too(client, water):
    for n in range(10):
        client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": "sec-water", "client_secret": f"g{n}"},
            environ_base={"REMOTE_ADDR": ATTACKER},
        )
    assert _token(client, water, ATTACKER).status_code == 429


def test_successful_token_requests_are_not_counted(client, water):
    for _ in range(15):
        assert _token(client, water, INSTITUTION).status_code == 200


def test_wrong_revocation_credentials_share_the_allowance(client, water):
    for n in range(10):
        client.post(
            "/oauth/revoke",
            data={"token": "x"},
            headers=basic("sec-water", f"g{n}"),
            environ_base={"REMOTE_ADDR": ATTACKER},
        )
    assert _token(client, water, ATTACKER).status_code == 429


def _report(client, api_key, address):
    return client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": api_key,
            "service_code": "0202",
            "description": "路灯坏了很久了",
            "address_string": "花果园",
        },
        environ_base={"REMOTE_ADDR": address},
    )


def test_wrong_open311_api_keys_are_throttled(client, demo, open311):
    answers = [_report(client, f"guess-{n}", ATTACKER) for n in range(11)]
    assert [a.status_code for a in answers[:10]] == [403] * 10
    assert answers[10].status_code == 429
    assert answers[10].get_json()[0]["code"] == 429  # in GeoReport's own error format
    assert _report(client, open311, INSTITUTION).status_code == 201
