"""Registering clients from the command line; secrets shown once and stored hashed; the demo's clients."""

from __future__ import annotations

import re

import httpx
import pytest

from app.core.actors import ActorKind
from app.identity import clients, services
from app.identity.models import OAuthClient
from tests.identity.helpers import ISSUER, wsgi_transport


def _create(app, *args):
    result = app.test_cli_runner().invoke(args=["clients", "create", *args])
    assert result.exit_code == 0, result.output
    return dict(re.findall(r"^(\w+): (.+)$", result.output, flags=re.M)), result.output


@pytest.mark.parametrize(
    ("kind", "scope"),
    [
        ("biller", "bills:write"),
        ("parking_operator", "parking:write"),
        ("hospital", "citycode:identity"),
        ("social_security", "social_security:write"),
        ("scanner", "citycode:verify"),
    ],
)
def test_each_institution_kind_gets_a_secret_once_stored_hashed(app, db, kind, scope):
    printed, output = _create(app, "--kind", kind, "--name", f"demo {kind}")
    assert "shown once" in output
    row = db.session.scalar(db.select(OAuthClient).where(OAuthClient.client_id == printed["client_id"]))
    assert scope in row.scopes
    assert printed["client_secret"] not in (row.secret_hash or "")
    assert row.secret_hash == clients.hash_secret(printed["client_secret"])

    token = httpx.Client(transport=wsgi_transport(app)).post(
        f"{ISSUER}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(printed["client_id"], printed["client_secret"]),
    )
    assert token.status_code == 200, token.text
    me = httpx.Client(transport=wsgi_transport(app)).get(
        f"{ISSUER}/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert me.status_code == 403, "an institution is not a person"


def test_open311_clients_get_an_api_key_that_identifies_them(app, db):
    printed, _ = _create(app, "--kind", "open311", "--name", "市民热线 App")
    actor = services.client_actor_for_api_key(printed["api_key"])
    assert actor.kind is ActorKind.CLIENT and actor.client_id == printed["client_id"]
    assert actor.scopes == {"open311"}
    assert services.client_actor_for_api_key("wrong") is None


def test_public_clients_need_acceptable_redirect_uris_and_have_no_secret(app, db):
    printed, output = _create(
        app,
        "--kind",
        "public",
        "--name",
        "市民 App",
        "--redirect-uri",
        "https://app.example.cn/cb",
        "--first-party",
    )
    assert "client_secret" not in printed and printed["redirect_uri"] == "https://app.example.cn/cb"
    bad = app.test_cli_runner().invoke(
        args=[
            "clients",
            "create",
            "--kind",
            "public",
            "--name",
            "x",
            "--redirect-uri",
            "http://evil.example/cb",
        ]
    )
    assert bad.exit_code != 0
    assert "redirect" in bad.output.lower()


def test_scopes_can_be_chosen(app, db):
    printed, _ = _create(
        app, "--kind", "scanner", "--name", "图书馆闸机", "--scopes", "citycode:verify,library:read"
    )
    assert printed["scopes"] == "citycode:verify library:read"


def test_the_demo_registers_its_clients_idempotently(app, demo, db):
    from app.core.demo import seed_demo
    from app.identity.demo import DEMO_INSTITUTIONS

    seed_demo()
    kinds = {row.kind for row in clients.list_clients()}
    assert kinds >= {
        "public",
        "biller",
        "parking_operator",
        "hospital",
        "social_security",
        "open311",
        "scanner",
    }
    for _kind, client_id, _name, secret in DEMO_INSTITUTIONS:
        row = clients.client_by_id(client_id)
        assert row.check_client_secret(secret)
    mini = clients.client_by_id("yimatong-mini-program")
    assert mini.first_party and "http://127.0.0.1:8765/callback" in mini.redirect_uris
    listed = app.test_cli_runner().invoke(args=["clients", "list"]).output
    assert "demo-gate-scanner" in listed and "secret" not in listed


def test_keys_rotate_from_the_command_line_and_old_tokens_still_verify(app, client, auth, resident, db):
    from app.identity import keys

    before = auth(resident)
    result = app.test_cli_runner().invoke(args=["identity", "rotate-key", "--purpose", "access", "--now"])
    assert result.exit_code == 0 and "now signing with access-" in result.output
    after = auth(resident)
    assert before != after
    for headers in (before, after):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert len(keys.published_keys("access")) >= 2


def test_prune_runs(app, db):
    result = app.test_cli_runner().invoke(args=["identity", "prune"])
    assert result.exit_code == 0 and "pruned:" in result.output
