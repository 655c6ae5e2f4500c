"""Finding 2: a revocation made on a node whose Redis is unreachable holds on every other node.

The database is the only record of a revocation and every request reads it (in the same statement
that loads the caller), so there is no Redis copy that a node could have missed. Each test revokes on
``unreachable_node`` (Redis at a port nobody listens on) and presents the token to ``client``, the node
whose Redis answers.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.identity import clients, oauth
from tests.security.helpers import APP_ID, register_apps

pytestmark = pytest.mark.redis  # the other node's Redis must answer for the scenario to mean anything


@pytest.fixture
def sign_in(db, resident):
    """A fresh sign-in of the resident on the mini-program: (access token, refresh token)."""
    register_apps()

    def new():
        client_row = clients.client_by_id(APP_ID)
        family = oauth.start_family(client_row, resident, "openid profile", datetime.now(UTC))
        issued = oauth.issue_token_set(client_row, resident, family)
        db.session.commit()
        return issued["access_token"], issued["refresh_token"]

    return new


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_lost_phone_reported_while_redis_is_down_signs_out_the_other_devices_everywhere(
    client, unreachable_node, sign_in
):
    lost_phone, _ = sign_in()
    this_phone, _ = sign_in()
    assert client.get("/api/v1/me", headers=_bearer(lost_phone)).status_code == 200
    reported = unreachable_node.post("/api/v1/me/citycode/revoke", headers=_bearer(this_phone))
    assert reported.status_code == 200 and reported.get_json()["signed_out_sessions"] == 1
    assert client.get("/api/v1/me", headers=_bearer(lost_phone)).status_code == 401
    assert unreachable_node.get("/api/v1/me", headers=_bearer(lost_phone)).status_code == 401
    assert client.get("/api/v1/me", headers=_bearer(this_phone)).status_code == 200


def test_an_access_token_revoked_while_redis_is_down_is_refused_where_redis_is_up(
    client, unreachable_node, sign_in
):
    access, _ = sign_in()
    revoked = unreachable_node.post("/oauth/revoke", data={"token": access, "client_id": APP_ID})
    assert revoked.status_code == 200
    refused = client.get("/api/v1/me", headers=_bearer(access))
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"


def test_a_whole_sign_in_revoked_while_redis_is_down_is_refused_where_redis_is_up(
    client, unreachable_node, sign_in
):
    access, refresh = sign_in()
    revoked = unreachable_node.post(
        "/oauth/revoke", data={"token": refresh, "token_type_hint": "refresh_token", "client_id": APP_ID}
    )
    assert revoked.status_code == 200
    assert client.get("/api/v1/me", headers=_bearer(access)).status_code == 401
    again = client.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh, "client_id": APP_ID}
    )
    assert again.status_code == 400


def test_a_revocation_made_where_redis_is_up_holds_where_it_is_down(client, unreachable_node, sign_in):
    access, _ = sign_in()
    assert client.post("/oauth/revoke", data={"token": access, "client_id": APP_ID}).status_code == 200
    assert unreachable_node.get("/api/v1/me", headers=_bearer(access)).status_code == 401
