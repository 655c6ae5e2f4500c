"""The issuer and every discovery URL follow the URL the app is served on unless OIDC_ISSUER is set."""

import pytest

from app import create_app
from app.identity import tokens
from config import ProductionConfig


@pytest.fixture
def unset_issuer(app, monkeypatch):
    """The development default: no OIDC_ISSUER."""
    monkeypatch.setitem(app.config, "OIDC_ISSUER", None)
    monkeypatch.setitem(app.config, "LOCAL_URL", "http://127.0.0.1:5000")


def test_discovery_names_the_url_it_was_reached_on(client, unset_issuer):
    metadata = client.get("/.well-known/openid-configuration", base_url="http://127.0.0.1:5123").get_json()
    assert metadata["issuer"] == "http://127.0.0.1:5123"
    urls = [value for key, value in metadata.items() if key.endswith(("_endpoint", "_uri"))]
    assert len(urls) >= 5
    assert all(url.startswith("http://127.0.0.1:5123/") for url in urls), urls


def test_a_configured_issuer_wins_over_the_served_url(client):
    metadata = client.get("/.well-known/openid-configuration", base_url="http://10.1.2.3:8000").get_json()
    assert metadata["issuer"] == "http://127.0.0.1:5000"
    assert metadata["token_endpoint"] == "http://127.0.0.1:5000/oauth/token"


def test_a_token_from_the_command_line_works_on_any_port_of_the_demo(client, unset_issuer, resident, app):
    token = tokens.issue_access_token(resident, client_id="yimatong-cli", scopes=["openid"])  # no request
    answer = client.get(
        "/api/v1/me", base_url="http://127.0.0.1:5123", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.get_json()


def test_a_token_naming_another_issuer_is_refused(client, unset_issuer, resident, app):
    with app.test_request_context(base_url="http://elsewhere.example:9000"):
        token = tokens.issue_access_token(resident, client_id="yimatong-cli", scopes=["openid"])
    answer = client.get(
        "/api/v1/me",
        base_url="http://127.0.0.1:5123",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    assert answer.status_code == 401
    detail = answer.get_json()["detail"]
    assert (
        "http://elsewhere.example:9000" in detail and "http://127.0.0.1:5123" in detail and "PORT" in detail
    )


def test_production_refuses_to_start_without_an_issuer(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "PII_ENCRYPTION_KEY", "PII_HASH_KEY"):
        monkeypatch.setenv(name, "x" * 43)
    monkeypatch.delenv("OIDC_ISSUER", raising=False)
    with pytest.raises(RuntimeError, match="OIDC_ISSUER"):
        create_app(ProductionConfig)
