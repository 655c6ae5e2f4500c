"""Fixtures of the identity tests: registered clients."""

import pytest

from app.identity import clients
from tests.identity.helpers import REDIRECT_URI


@pytest.fixture
def mini_program(db):
    """The first-party mini-program: public, PKCE, no consent page."""
    client, _ = clients.register_client(
        "public",
        "一码通城小程序",
        redirect_uris=[REDIRECT_URI],
        first_party=True,
        client_id="test-mini-program",
    )
    return client


@pytest.fixture
def third_party_app(db):
    """A third-party app: public, PKCE, asks for consent."""
    client, _ = clients.register_client(
        "public", "Green Travel", redirect_uris=[REDIRECT_URI], client_id="test-green-travel"
    )
    return client


@pytest.fixture
def scanner(db):
    """A gate scanner: client credentials with citycode:verify; returns (client, secret)."""
    return clients.register_client("scanner", "地铁1号线闸机", client_id="test-gate")


@pytest.fixture
def hospital(db):
    """A hospital: may verify codes for the hospital purpose; returns (client, secret)."""
    return clients.register_client("hospital", "市第一人民医院", client_id="test-hospital")
