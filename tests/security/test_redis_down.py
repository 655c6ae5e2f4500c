"""Finding 3: with Redis unreachable nothing answers 500.

* Online city-code verification fails closed: a 503 problem document (``citycode-check-unavailable``,
  ``Retry-After``). The replay store must be the one every node shares; the gate verifies offline.
* Bearer tokens keep working: their check reads only the database.
* Sign-in keeps working (tested against real server processes in ``test_live_nodes.py``).
"""

from __future__ import annotations

import pytest

from app.identity import clients
from tests.security.helpers import assert_problem, client_token


@pytest.fixture
def gate(client, db):
    _, secret = clients.register_client("scanner", "地铁3号线闸机", client_id="sec-gate-3")
    return client_token(client, "sec-gate-3", secret)


@pytest.mark.redis
def test_online_verification_without_its_replay_store_is_a_503_not_a_500(
    client, unreachable_node, auth, resident, gate
):
    code = client.get("/api/v1/me/citycode", headers=auth(resident)).get_json()["code"]
    refused = unreachable_node.post(
        "/api/v1/citycode/verify",
        json={"code": code, "purpose": "transit"},
        headers={**gate, "Accept-Language": "en"},
    )
    problem = assert_problem(refused, 503)
    assert problem["code"] == "citycode-check-unavailable" and "offline" in problem["detail"]
    assert refused.headers["Retry-After"] == "5"
    # Nothing was spent: the same code verifies once where the replay store answers.
    accepted = client.post("/api/v1/citycode/verify", json={"code": code, "purpose": "transit"}, headers=gate)
    assert accepted.get_json()["valid"] is True
    scans = client.get("/api/v1/me/citycode/scans", headers=auth(resident)).get_json()["items"]
    assert [scan["outcome"] for scan in scans] == ["accepted"]


def test_signed_in_requests_do_not_need_redis(unreachable_node, auth, resident):
    assert unreachable_node.get("/api/v1/me", headers=auth(resident)).status_code == 200
