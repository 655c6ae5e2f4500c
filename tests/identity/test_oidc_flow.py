"""The OpenID Connect provider, driven by authlib's standard OAuth 2.0 client, which knows nothing of ours."""

from __future__ import annotations

import secrets

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from tests.identity.helpers import ISSUER, REDIRECT_URI, Browser, OAuth2Client, wsgi_transport

PHONE = "+8613912340001"


@pytest.fixture
def transport(app, db):
    return wsgi_transport(app)


@pytest.fixture
def metadata(transport):
    response = httpx.Client(transport=transport).get(f"{ISSUER}/.well-known/openid-configuration")
    assert response.status_code == 200
    return response.json()


def _client(transport, client_id, **kwargs) -> OAuth2Client:
    return OAuth2Client(
        client_id=client_id,
        token_endpoint_auth_method="none",
        revocation_endpoint_auth_method="none",
        redirect_uri=REDIRECT_URI,
        scope="openid profile phone",
        code_challenge_method="S256",
        transport=transport,
        **kwargs,
    )


def _authorize(app, oauth, metadata, phone=PHONE, **params):
    """Send a person through the hosted sign-in; returns (redirect location, code_verifier, nonce)."""
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(12)
    url, _state = oauth.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **params
    )
    browser = Browser(app)
    page = browser.sign_in(url, phone)
    return browser, page, verifier, nonce


def test_discovery_document_is_valid_openid_provider_metadata(metadata):
    OpenIDProviderMetadata(metadata).validate()
    assert metadata["issuer"] == ISSUER
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert "RS256" in metadata["id_token_signing_alg_values_supported"]
    assert metadata["revocation_endpoint"].endswith("/oauth/revoke")


def test_jwks_publishes_public_keys_only_with_kid(transport, metadata):
    published = httpx.Client(transport=transport).get(metadata["jwks_uri"]).json()
    algs = {key["alg"] for key in published["keys"]}
    assert algs == {"EdDSA", "RS256"}
    for key in published["keys"]:
        assert key["kid"] and key["use"] == "sig"
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key), "a private member was published"


def test_whole_flow_code_pkce_id_token_userinfo_refresh_rotation_and_revocation(
    app, transport, metadata, mini_program
):
    oauth = _client(transport, mini_program.client_id)
    browser, landing, verifier, nonce = _authorize(app, oauth, metadata)
    # First-party app: no consent page, straight back to the app with a code.
    assert landing.status_code == 302
    location = landing.headers["location"]
    assert location.startswith(REDIRECT_URI + "?code=")

    token = oauth.fetch_token(
        metadata["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    assert token["token_type"].lower() == "bearer"
    assert {"access_token", "refresh_token", "id_token", "expires_in"} <= set(token)

    # The ID token verifies against the published JWKS with a plain JOSE library.
    jwks = KeySet.import_key_set(httpx.Client(transport=transport).get(metadata["jwks_uri"]).json())
    id_token = jwt.decode(token["id_token"], jwks, algorithms=["RS256"])
    assert id_token.header["kid"]
    JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": mini_program.client_id},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
    ).validate(id_token.claims)
    assert id_token.claims["phone_number"] == PHONE
    assert id_token.claims["amr"] == ["otp", "sms"]

    userinfo = oauth.get(metadata["userinfo_endpoint"]).json()
    assert userinfo["sub"] == id_token.claims["sub"]
    assert userinfo["phone_number"] == PHONE

    # The first-party access token calls the API as the person who signed in.
    api = httpx.Client(transport=transport, base_url=ISSUER)
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200 and me.json()["phone"] == PHONE

    # Refresh rotates the refresh token.
    first_refresh = token["refresh_token"]
    refreshed = oauth.refresh_token(metadata["token_endpoint"])
    assert refreshed["refresh_token"] != first_refresh
    second_access = refreshed["access_token"]
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {second_access}"}).status_code == 200

    # Reusing the rotated-away refresh token is refused and revokes the whole family.
    reuse = api.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": first_refresh,
            "client_id": mini_program.client_id,
        },
    )
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {second_access}"}).status_code == 401
    after = api.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": refreshed["refresh_token"],
            "client_id": mini_program.client_id,
        },
    )
    assert after.status_code == 400, "the newest refresh token of a revoked family must fail too"


def test_revoking_an_access_token_and_a_refresh_token(app, transport, metadata, mini_program):
    oauth = _client(transport, mini_program.client_id)
    _browser, landing, verifier, _nonce = _authorize(app, oauth, metadata)
    token = oauth.fetch_token(
        metadata["token_endpoint"], authorization_response=landing.headers["location"], code_verifier=verifier
    )
    api = httpx.Client(transport=transport, base_url=ISSUER)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert api.get("/api/v1/me", headers=bearer).status_code == 200

    revoked = oauth.revoke_token(
        metadata["revocation_endpoint"], token=token["access_token"], token_type_hint="access_token"
    )
    assert revoked.status_code == 200
    refused = api.get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401
    assert refused.json()["detail"]

    # Revoking the refresh token ends the sign-in: it can no longer be used.
    assert (
        oauth.revoke_token(metadata["revocation_endpoint"], token=token["refresh_token"]).status_code == 200
    )
    again = api.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": mini_program.client_id,
        },
    )
    assert again.status_code == 400


def test_an_authorization_code_works_once_and_its_reuse_revokes_its_tokens(
    app, transport, metadata, mini_program
):
    oauth = _client(transport, mini_program.client_id)
    _browser, landing, verifier, _nonce = _authorize(app, oauth, metadata)
    location = landing.headers["location"]
    token = oauth.fetch_token(
        metadata["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    code = httpx.URL(location).params["code"]
    api = httpx.Client(transport=transport, base_url=ISSUER)
    replay = api.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": mini_program.client_id,
            "code_verifier": verifier,
        },
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert (
        api.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"}).status_code == 401
    )


def test_wrong_code_verifier_is_refused(app, transport, metadata, mini_program):
    oauth = _client(transport, mini_program.client_id)
    _browser, landing, _verifier, _nonce = _authorize(app, oauth, metadata)
    api = httpx.Client(transport=transport, base_url=ISSUER)
    response = api.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": httpx.URL(landing.headers["location"]).params["code"],
            "redirect_uri": REDIRECT_URI,
            "client_id": mini_program.client_id,
            "code_verifier": secrets.token_urlsafe(48),
        },
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("extra", "why"),
    [({}, "no challenge"), ({"code_challenge_method": "plain"}, "plain method")],
)
def test_public_clients_must_use_pkce_s256(app, transport, mini_program, extra, why):
    params = {
        "response_type": "code",
        "client_id": mini_program.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": "s1",
    }
    if extra:
        params |= {"code_challenge": create_s256_code_challenge(secrets.token_urlsafe(48)), **extra}
    response = Browser(app).open(f"/oauth/authorize?{httpx.QueryParams(params)}")
    assert response.status_code == 302, why
    location = httpx.URL(response.headers["location"])
    assert location.params["error"] == "invalid_request"
    assert location.params["state"] == "s1"


def test_unregistered_redirect_uri_shows_an_error_page_and_never_redirects(app, mini_program):
    params = {
        "response_type": "code",
        "client_id": mini_program.client_id,
        "redirect_uri": "https://evil.example/steal",
        "code_challenge": create_s256_code_challenge(secrets.token_urlsafe(48)),
        "code_challenge_method": "S256",
    }
    response = Browser(app, **{"Accept-Language": "en"}).open(f"/oauth/authorize?{httpx.QueryParams(params)}")
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "Sign-in request not accepted" in response.text


def test_third_party_app_asks_consent_and_its_token_only_reaches_userinfo(
    app, transport, metadata, third_party_app
):
    oauth = _client(transport, third_party_app.client_id)
    browser, consent, verifier, _nonce = _authorize(app, oauth, metadata)
    assert consent.status_code == 200
    assert "Green Travel" in consent.text and "手机号" in consent.text

    decided = browser.post(str(consent.request.url), consent, action="allow")
    assert decided.status_code == 302
    token = oauth.fetch_token(
        metadata["token_endpoint"], authorization_response=decided.headers["location"], code_verifier=verifier
    )
    assert "refresh_token" not in token, "no offline_access was asked for"
    assert oauth.get(metadata["userinfo_endpoint"]).json()["phone_number"] == PHONE
    api = httpx.Client(transport=transport, base_url=ISSUER)
    assert (
        api.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"}).status_code == 401
    )

    # Consent is remembered: the next sign-in goes straight back to the app.
    url, _ = oauth.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48)
    )
    assert browser.open(url).status_code == 302


def test_denied_consent_returns_access_denied_to_the_app(app, transport, metadata, third_party_app):
    oauth = _client(transport, third_party_app.client_id)
    browser, consent, _verifier, _nonce = _authorize(app, oauth, metadata, state="xyz")
    denied = browser.post(str(consent.request.url), consent, action="deny")
    location = httpx.URL(denied.headers["location"])
    assert location.params["error"] == "access_denied"
    assert location.params["state"] == "xyz"


def test_prompt_none_without_a_session_answers_login_required(app, transport, metadata, mini_program):
    oauth = _client(transport, mini_program.client_id)
    url, _ = oauth.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48), prompt="none"
    )
    response = Browser(app).open(url)
    assert httpx.URL(response.headers["location"]).params["error"] == "login_required"


def test_hosted_page_is_localized_and_hardened(app, transport, metadata, mini_program):
    oauth = _client(transport, mini_program.client_id)
    url, _ = oauth.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48)
    )
    chinese = Browser(app).open(url)
    english = Browser(app, **{"Accept-Language": "en"}).open(url)
    traditional = Browser(app).open(url + "&ui_locales=zh-TW")
    assert 'name="phone"' in chinese.text and 'name="code"' in chinese.text
    assert "登录一码通城" in chinese.text
    assert "Sign in to Yimatong" in english.text
    assert "登錄一碼通城" in traditional.text
    assert "frame-ancestors 'none'" in chinese.headers["content-security-policy"]


def test_a_form_without_its_csrf_token_is_refused(app, transport, metadata, mini_program):
    oauth = _client(transport, mini_program.client_id)
    url, _ = oauth.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48)
    )
    browser = Browser(app)
    browser.open(url)
    response = browser.http.post(url, data={"action": "send_code", "phone": PHONE})
    assert response.status_code == 400


def test_client_credentials_give_an_institution_a_scoped_token(transport, metadata, scanner):
    client, secret = scanner
    machine = OAuth2Client(client_id=client.client_id, client_secret=secret, transport=transport)
    token = machine.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
    assert token["scope"] == "citycode:verify"
    assert "refresh_token" not in token

    wrong = httpx.Client(transport=transport).post(
        metadata["token_endpoint"],
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, "not-the-secret"),
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    too_much = httpx.Client(transport=transport).post(
        metadata["token_endpoint"],
        data={"grant_type": "client_credentials", "scope": "citycode:verify citycode:identity"},
        auth=(client.client_id, secret),
    )
    assert too_much.status_code == 400 and too_much.json()["error"] == "invalid_scope"


def test_institutions_cannot_use_the_authorization_endpoint(app, scanner):
    client, _ = scanner
    params = {"response_type": "code", "client_id": client.client_id, "redirect_uri": REDIRECT_URI}
    response = Browser(app).open(f"/oauth/authorize?{httpx.QueryParams(params)}")
    assert response.status_code == 400


def test_userinfo_needs_a_valid_token_with_openid(transport, metadata, resident, token_for):
    http = httpx.Client(transport=transport)
    missing = http.get(metadata["userinfo_endpoint"])
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    no_openid = token_for(resident, scopes=("profile",))
    assert (
        http.get(metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {no_openid}"}).status_code
        == 401
    )
    with_openid = token_for(resident, scopes=("openid", "profile"))
    claims = http.get(
        metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {with_openid}"}
    ).json()
    assert claims == {"sub": str(resident.id), "name": resident.display_name, "locale": "zh-Hans"}


def test_a_refresh_token_works_only_for_its_own_client(
    app, transport, metadata, mini_program, third_party_app
):
    oauth = _client(transport, mini_program.client_id)
    _browser, landing, verifier, _nonce = _authorize(app, oauth, metadata)
    token = oauth.fetch_token(
        metadata["token_endpoint"], authorization_response=landing.headers["location"], code_verifier=verifier
    )
    stolen = httpx.Client(transport=transport).post(
        metadata["token_endpoint"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": third_party_app.client_id,
        },
    )
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"


def test_the_hosted_page_escapes_what_a_client_registered(app, db):
    from app.identity import clients

    clients.register_client(
        "public", "<script>alert(1)</script>", redirect_uris=[REDIRECT_URI], client_id="xss"
    )
    params = {
        "response_type": "code",
        "client_id": "xss",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "code_challenge": create_s256_code_challenge(secrets.token_urlsafe(48)),
        "code_challenge_method": "S256",
    }
    page = Browser(app).open(f"/oauth/authorize?{httpx.QueryParams(params)}")
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-CN", "无法验证该应用或机构的身份。"),
        ("zh-TW", "無法驗證該應用程式或機構的身分。"),
        ("en", "The app or institution could not be authenticated."),
    ],
)
def test_token_errors_are_plain_words_and_localized(
    transport, metadata, scanner, mini_program, language, message
):
    client, _secret = scanner
    http = httpx.Client(transport=transport, headers={"Accept-Language": language})
    wrong = http.post(
        metadata["token_endpoint"], data={"grant_type": "client_credentials"}, auth=(client.client_id, "nope")
    )
    assert wrong.status_code == 401
    body = wrong.json()
    assert body["error"] == "invalid_client" and body["message"] == message
    for text in (body["error_description"], wrong.headers["WWW-Authenticate"]):
        assert "[" not in text and "'" not in text  # no Python list repr
    assert body["error_description"].isascii()  # RFC 6749 §5.2

    missing = http.post(
        metadata["token_endpoint"],
        data={"grant_type": "authorization_code", "client_id": mini_program.client_id},
    )
    assert missing.status_code == 400
    assert missing.json()["error_description"] == "The request is missing the parameter code."
    assert "code" in missing.json()["message"] and "'" not in missing.json()["message"]
