"""Demo data of the console: its first-party OAuth client, redirecting to the console on this app."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from app.console import signin
from app.core.demo import demo_seeder
from app.extensions import db
from app.identity import services as identity

CALLBACK_PATH = "/console/callback"


def console_redirect_uris(*base_urls: str) -> list[str]:
    """The callback on each URL the app is served on (127.0.0.1 and localhost of the demo port).

    A URL a public client may not redirect to (plain http off the loopback, such as an issuer named
    for a cluster behind a proxy) is left out: the console is then reached through the others.
    """
    uris = []
    for base in base_urls:
        if not base or not identity.acceptable_redirect(base.rstrip("/") + CALLBACK_PATH):
            continue
        uris.append(base.rstrip("/") + CALLBACK_PATH)
        parts = urlsplit(base)
        if parts.hostname == "127.0.0.1":
            uris.append(f"{parts.scheme}://localhost:{parts.port or 80}{CALLBACK_PATH}")
    return list(dict.fromkeys(uris))


def register_console_client(*base_urls: str):
    """Create or refresh the console's first-party client for these served URLs."""
    client = identity.upsert_client(
        "public",
        "一码通城工作台",
        signin.client_id(),
        redirect_uris=console_redirect_uris(*base_urls),
        first_party=True,
        scopes=["openid", "profile"],
    )
    db.session.flush()
    return client


@demo_seeder("console")
def seed_console() -> dict[str, int]:
    """The console's client (not in production, where `flask clients create` registers it)."""
    if not current_app.config["SANDBOX_PROVIDERS"]:
        return {"console_clients": 0}
    config = current_app.config
    register_console_client(config["LOCAL_URL"], config.get("OIDC_ISSUER") or "")
    return {"console_clients": 1}
