"""Findings 1, 13 and 14: a revoke ends every way in; a code dies on a failed exchange; no long-lived token.

1. Reporting a lost phone (sign out everywhere) also ends the hosted sign-in page's session: the
   browser that kept its cookie (the lost phone's own, say) must enter a new SMS code.
13. An authorization code is spent by the first failed exchange (wrong verifier, wrong redirect URI,
    another client), not only by a successful one.
14. A token whose lifetime exceeds the limit is refused at verification, whatever the settings say.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from app.identity import clients, oauth, tokens
from app.identity.models import Person
from tests.identity.helpers import ISSUER, Browser
from tests.security.helpers import APP_ID, OTHER_APP_ID, authorization_url, code_of, exchange, register_apps

PHONE = "+8613912349901"


@pytest.fixture
def apps(db):
    register_apps()


@pytest.fixture
def browser(app, apps):
    return Browser(app)


def _signed_in(browser):
    """Sign in on the hosted page and exchange the code; returns the token response."""
    url, verifier = authorization_url()
    landing = browser.sign_in(ISSUER + url, PHONE)
    issued = exchange(browser.http, code_of(landing), verifier)
    assert issued.status_code == 200, issued.text
    return issued.json()


def test_after_a_lost_phone_report_the_kept_sign_in_cookie_gets_no_new_code(browser):
    token = _signed_in(browser)
    # The cookie alone is enough for a new code while the session lives (what an attacker relies on).
    url, _ = authorization_url()
    assert browser.open(url).status_code == 302

    reported = browser.http.post(
        "/api/v1/me/citycode/revoke", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert reported.status_code == 200, reported.text

    url, verifier = authorization_url()
    page = browser.open(url)
    assert page.status_code == 200 and 'name="code"' in page.text, "the sign-in form, not a code"
    assert "location" not in page.headers


def test_a_lost_phone_report_from_another_device_ends_this_browsers_session_too(browser, client, db):
    _signed_in(browser)
    person = db.session.scalar(db.select(Person).where(Person.phone == PHONE))
    family = oauth.start_family(clients.client_by_id(APP_ID), person, "openid", datetime.now(UTC))
    other_device = oauth.issue_token_set(clients.client_by_id(APP_ID), person, family)["access_token"]
    reported = client.post("/api/v1/me/citycode/revoke", headers={"Authorization": f"Bearer {other_device}"})
    assert reported.status_code == 200
    url, _ = authorization_url()
    assert browser.open(url).status_code == 200  # the sign-in form again


def _fresh_code(browser):
    url, verifier = authorization_url()
    landing = browser.sign_in(ISSUER + url, PHONE)
    return code_of(landing), verifier


@pytest.mark.parametrize(
    ("failed_attempt", "error"),
    [
        ({"code_verifier": "wrong-" + "v" * 43}, "invalid_grant"),
        ({"redirect_uri": "http://127.0.0.1:8765/elsewhere"}, "invalid_grant"),
        ({"client_id": OTHER_APP_ID}, "invalid_grant"),
    ],
)
def test_one_failed_exchange_spends_the_code(browser, failed_attempt, error):
    code, verifier = _fresh_code(browser)
    failed = exchange(browser.http, code, verifier, **failed_attempt)
    assert failed.status_code == 400 and failed.json()["error"] == error
    retried = exchange(browser.http, code, verifier)
    assert retried.status_code == 400 and retried.json()["error"] == "invalid_grant"


def test_a_successful_exchange_still_works_once(browser):
    code, verifier = _fresh_code(browser)
    assert exchange(browser.http, code, verifier).status_code == 200
    assert exchange(browser.http, code, verifier).status_code == 400


def test_a_ten_year_token_signed_under_a_changed_setting_is_refused(client, resident):
    ten_years = int(timedelta(days=3650).total_seconds())
    with mock.patch.dict(client.application.config, {"ACCESS_TOKEN_TTL_SECONDS": ten_years}):
        token = tokens.issue_access_token(resident, client_id=APP_ID, scopes=["openid"])
        claims = tokens.keys.decode(token, tokens.ACCESS_PURPOSE).claims
        assert claims["exp"] - claims["iat"] <= tokens.MAX_ACCESS_TOKEN_SECONDS, "never issued that long"
        with mock.patch.object(tokens, "access_token_lifetime", return_value=ten_years):
            forged = tokens.issue_access_token(resident, client_id=APP_ID, scopes=["openid"])
        still_changed = client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    restored = client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert still_changed.status_code == 401 and restored.status_code == 401
    # Verification holds tokens to today's setting: the hour-long one is refused once it is 10 minutes.
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    fresh = tokens.issue_access_token(resident, client_id=APP_ID, scopes=["openid"])
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_a_token_issued_in_the_future_is_refused(client, resident):
    later = datetime.now(UTC) + timedelta(hours=2)
    token = tokens.issue_access_token(resident, client_id=APP_ID, scopes=["openid"], now=later)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
