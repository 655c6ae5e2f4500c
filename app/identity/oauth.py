"""The OpenID Connect provider: authlib's authorization server on our clients, codes and token families.

Rules that authlib leaves to us live here: codes and refresh tokens are stored hashed and used once;
a refresh token used twice, or a code used twice, revokes its whole family (every refresh token
rotated from that sign-in and every access token it produced); PKCE is S256 only and public clients
must use it; ID tokens are signed with RS256; access tokens are the API's own JWTs.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError, InvalidScopeError, OAuth2Error
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, ClientCredentialsGrant, RefreshTokenGrant
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from authlib.oidc.core import OpenIDCode
from authlib.oidc.core.util import create_half_hash
from flask import Flask, current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from app.core.errors import Unauthenticated
from app.core.i18n import normalize_locale
from app.core.models import utcnow
from app.extensions import db
from app.identity import clients, keys, revocation, tokens
from app.identity.models import (
    AuthorizationCode,
    OAuthClient,
    OAuthConsent,
    Person,
    RefreshToken,
    TokenFamily,
)

CODE_TTL = timedelta(minutes=5)
ID_TOKEN_TTL = timedelta(minutes=10)
OIDC_SCOPES = ("openid", "profile", "phone", "offline_access")
EXTENSION_KEY = "yimatong_oauth"


@dataclass(frozen=True)
class EndUser:
    """The person signed in on the hosted page, and when they signed in."""

    person: Person
    auth_time: datetime


def digest(raw: str) -> str:
    """How codes and refresh tokens are stored: SHA-256 of 256-bit random strings."""
    return hashlib.sha256(raw.encode()).hexdigest()


def _access_ttl() -> timedelta:
    return timedelta(seconds=tokens.access_token_lifetime())


# --- the rules: token families, refresh tokens, codes, consent -----------------------------------


def start_family(client: OAuthClient, person: Person, scope: str, auth_time: datetime) -> TokenFamily:
    """A new sign-in of ``person`` on ``client``: the family its tokens belong to."""
    family = TokenFamily(client_id=client.client_id, person_id=person.id, scope=scope, auth_time=auth_time)
    db.session.add(family)
    db.session.flush()
    return family


def issue_token_set(
    client: OAuthClient,
    person: Person,
    family: TokenFamily,
    *,
    scope: str | None = None,
    include_refresh_token: bool = True,
) -> dict:
    """An access token (and a rotated refresh token) for ``person`` on ``client``, in ``family``."""
    now = utcnow()
    scope = family.scope if scope is None else scope
    audience = current_app.config["API_AUDIENCE"] if client.first_party else tokens.issuer()
    token = {
        "token_type": "Bearer",
        "access_token": tokens.issue_access_token(
            person,
            client_id=client.client_id,
            scopes=scope.split(),
            audience=audience,
            family_id=family.id,
            auth_time=family.auth_time,
        ),
        "expires_in": tokens.access_token_lifetime(),
        "scope": scope,
    }
    wants_refresh = client.first_party or "offline_access" in scope.split()
    if include_refresh_token and wants_refresh and client.check_grant_type("refresh_token"):
        raw = secrets.token_urlsafe(32)
        lifetime = timedelta(seconds=current_app.config["REFRESH_TOKEN_TTL_SECONDS"])
        db.session.add(RefreshToken(token_hash=digest(raw), family_id=family.id, expires_at=now + lifetime))
        token["refresh_token"] = raw
    return token


def revoke_family(family: TokenFamily, reason: str) -> None:
    """End a sign-in: its refresh tokens stop working and its access tokens are refused."""
    if family.revoked_at is None:
        family.revoked_at = utcnow()
        family.revoked_reason = reason
    revocation.revoke_family(str(family.id), _access_ttl())


def revoke_sessions_of(person_id, *, keep_family_id: str | None = None, reason: str) -> int:
    """Sign a person out of every client except the sign-in ``keep_family_id``; returns how many.

    The hosted sign-in page forgets them too: every session it holds for the person ends, so no
    browser (the lost phone's included) can get a new authorization code without a new SMS code.
    """
    db.session.execute(
        update(Person)
        .where(Person.id == person_id)
        .values(sign_in_generation=Person.sign_in_generation + 1)
        .execution_options(synchronize_session="fetch")
    )
    families = db.session.scalars(
        db.select(TokenFamily).where(TokenFamily.person_id == person_id, TokenFamily.revoked_at.is_(None))
    )
    count = 0
    for family in families:
        if str(family.id) != keep_family_id:
            revoke_family(family, reason)
            count += 1
    return count


def find_authorization_code(code: str, client: OAuthClient) -> AuthorizationCode | None:
    """The live code issued to ``client``; a code presented again revokes what it produced.

    A code presented by another client than the one it was issued to is spent on the spot: whoever
    holds it is not its client, and the code's client will have to sign the person in again.
    """
    row = db.session.scalar(db.select(AuthorizationCode).where(AuthorizationCode.code_hash == digest(code)))
    if row is None:
        return None
    if row.used_at is not None:
        family = db.session.get(TokenFamily, row.family_id) if row.family_id else None
        if family is not None:
            revoke_family(family, "code_reused")
        return None
    if row.client_id != client.client_id:
        claim_once(AuthorizationCode, row.id)
        return None
    return row if row.expires_at > utcnow() else None


def claim_once(model, row_id) -> bool:
    """Mark a code or refresh token used, atomically: False when another request used it first."""
    result = db.session.execute(
        update(model)
        .where(model.id == row_id, model.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def find_refresh_token(raw: str) -> RefreshToken | None:
    """The live refresh token; one presented again after rotation revokes its family."""
    row = db.session.scalar(db.select(RefreshToken).where(RefreshToken.token_hash == digest(raw)))
    if row is None or row.family.revoked_at is not None or row.expires_at <= utcnow():
        return None
    if row.used_at is not None:
        revoke_family(row.family, "refresh_reused")
        return None
    return row


def consent_needed(person: Person, client: OAuthClient, scope: str) -> bool:
    """A third-party client needs the person's consent to scopes not agreed before."""
    if client.first_party:
        return False
    consent = db.session.scalar(
        db.select(OAuthConsent).where(
            OAuthConsent.person_id == person.id, OAuthConsent.client_id == client.client_id
        )
    )
    return consent is None or not set(scope.split()) <= set(consent.scope.split())


def record_consent(person: Person, client: OAuthClient, scope: str) -> None:
    """Remember that the person agreed to share ``scope`` with ``client``."""
    consent = db.session.scalar(
        db.select(OAuthConsent).where(
            OAuthConsent.person_id == person.id, OAuthConsent.client_id == client.client_id
        )
    )
    if consent is None:
        db.session.add(OAuthConsent(person_id=person.id, client_id=client.client_id, scope=scope))
    else:
        consent.scope = " ".join(dict.fromkeys(consent.scope.split() + scope.split()))


def userinfo_claims(person: Person, scope: str) -> dict:
    """The OpenID Connect claims the granted scopes release (never the legal name or ID number)."""
    scopes = set(scope.split())
    claims: dict = {"sub": str(person.id)}
    if "profile" in scopes:
        claims["name"] = person.display_name
        claims["locale"] = (normalize_locale(person.locale) or "zh_Hans").replace("_", "-")
    if "phone" in scopes:
        claims["phone_number"] = person.phone
        claims["phone_number_verified"] = True
    return claims


def person_for_userinfo(access_token: str) -> tuple[Person, str]:
    """The person and scopes of an access token presented at userinfo (401 without ``openid``)."""
    config = current_app.config
    claims = tokens.verify_access_token(access_token, audiences=(config["API_AUDIENCE"], tokens.issuer()))
    scope = str(claims.get("scope", ""))
    if "openid" not in scope.split() or (claims.get("ymt") or {}).get("kind", "person") != "person":
        raise Unauthenticated()
    person = db.session.get(Person, tokens.actor_from_claims(claims).person_id)
    if person is None:
        raise Unauthenticated()
    return person, scope


def prune(now: datetime) -> int:
    """Delete authorization codes and refresh tokens past their expiry; returns how many."""
    removed = 0
    for model in (AuthorizationCode, RefreshToken):
        removed += db.session.execute(db.delete(model).where(model.expires_at < now)).rowcount or 0
    return removed


def discovery_document() -> dict:
    """OpenID Provider Metadata (OpenID Connect Discovery 1.0, RFC 8414)."""
    issuer = tokens.issuer()
    auth_methods = ["none", "client_secret_basic", "client_secret_post"]
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "userinfo_endpoint": f"{issuer}/oauth/userinfo",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "scopes_supported": list(OIDC_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [keys.RSA_ALG],
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "amr",
            "at_hash",
            "name",
            "locale",
            "phone_number",
            "phone_number_verified",
        ],
        "ui_locales_supported": ["zh-Hans", "zh-Hant", "en"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
    }


# --- authlib glue ----------------------------------------------------------------------------------


class S256Only(CodeChallenge):
    """PKCE with S256 only; public clients must send a challenge at the authorization endpoint."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    CODE_CHALLENGE_METHODS = {"S256": compare_s256_code_challenge}

    def validate_code_challenge(self, grant, redirect_uri):
        """Refuse a missing challenge from a public client and any method but S256."""
        data = grant.request.payload.data
        if grant.request.client.is_public and not data.get("code_challenge"):
            raise InvalidRequestError("Public clients must send a PKCE 'code_challenge' (S256).")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(AuthorizationCodeGrant):
    """Authorization code grant: codes stored hashed, single use, five minutes."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code, request):
        """Store the code's hash with what it is bound to."""
        end_user: EndUser = request.user
        data = request.payload.data
        db.session.add(
            AuthorizationCode(
                code_hash=digest(code),
                client_id=request.client.client_id,
                person_id=end_user.person.id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope or "",
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                auth_time=end_user.auth_time,
                expires_at=utcnow() + CODE_TTL,
            )
        )
        db.session.flush()

    def query_authorization_code(self, code, client):
        """The live code, or None (a reused code revokes its tokens)."""
        self.presented_code = find_authorization_code(code, client)
        return self.presented_code

    def validate_token_request(self):
        """Validate the exchange; any failure (redirect URI, PKCE verifier) spends the code for good."""
        self.presented_code = None
        try:
            return super().validate_token_request()
        except OAuth2Error:
            if self.presented_code is not None:
                claim_once(AuthorizationCode, self.presented_code.id)
            raise

    def delete_authorization_code(self, authorization_code):
        """Nothing to do: the code was claimed before tokens were issued."""

    def authenticate_user(self, authorization_code):
        """The person the code was issued for."""
        return db.session.get(Person, authorization_code.person_id)

    def create_token_response(self):
        """Claim the code first, so two concurrent exchanges cannot both succeed."""
        if not claim_once(AuthorizationCode, self.request.authorization_code.id):
            raise InvalidGrantError("The code was already used.")
        return super().create_token_response()

    def generate_token(
        self, user=None, scope=None, grant_type=None, expires_in=None, include_refresh_token=True
    ):
        """A new token family for this sign-in."""
        code: AuthorizationCode = self.request.authorization_code
        family = start_family(self.request.client, user, scope or "", code.auth_time)
        code.family_id = family.id
        return issue_token_set(self.request.client, user, family, include_refresh_token=include_refresh_token)


class OpenIDCodeFlow(OpenIDCode):
    """ID tokens for the code flow, signed RS256 with the provider's published key."""

    def exists_nonce(self, nonce, request):
        """A nonce already used by this client is a replay."""
        found = db.session.scalar(
            db.select(AuthorizationCode.id).where(
                AuthorizationCode.client_id == request.payload.client_id, AuthorizationCode.nonce == nonce
            )
        )
        return found is not None

    def generate_user_info(self, user, scope):
        """The claims the scopes release."""
        return userinfo_claims(user, scope)

    def encode_id_token(self, token, request):
        """Sign the ID token through the key store (RS256, with ``kid``)."""
        code: AuthorizationCode = request.authorization_code
        now = int(utcnow().timestamp())
        claims = {
            "iss": tokens.issuer(),
            "aud": request.client.client_id,
            "iat": now,
            "exp": now + int(ID_TOKEN_TTL.total_seconds()),
            "auth_time": code.get_auth_time(),
            "amr": code.get_amr(),
            "at_hash": create_half_hash(token["access_token"], keys.RSA_ALG).decode(),
        }
        if code.nonce:
            claims["nonce"] = code.nonce
        claims.update(userinfo_claims(request.user, token["scope"]))
        return keys.sign(keys.ID_TOKEN, {}, claims)


class RefreshGrant(RefreshTokenGrant):
    """Refresh tokens rotate on every use; a rotated token used again revokes the family."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        """The live refresh token, or None."""
        return find_refresh_token(refresh_token)

    def authenticate_user(self, refresh_token):
        """The person of the token family."""
        return db.session.get(Person, refresh_token.family.person_id)

    def create_token_response(self):
        """Claim the token first; losing the race to another use is a reuse."""
        refresh_token: RefreshToken = self.request.refresh_token
        if not claim_once(RefreshToken, refresh_token.id):
            revoke_family(refresh_token.family, "refresh_reused")
            raise InvalidGrantError()
        return super().create_token_response()

    def issue_token(self, user, refresh_token):
        """New tokens in the same family."""
        scope = self.request.payload.scope or refresh_token.get_scope()
        return issue_token_set(self.request.client, user, refresh_token.family, scope=scope)

    def revoke_old_credential(self, refresh_token):
        """Nothing to do: the token was claimed before new ones were issued."""


class ClientCredentials(ClientCredentialsGrant):
    """Institutions' machines: a short-lived token with (a subset of) their registered scopes."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def validate_requested_scope(self):
        """Only scopes registered for the client."""
        requested = (self.request.payload.scope or "").split()
        if not set(requested) <= set(self.request.client.scopes):
            raise InvalidScopeError()

    def generate_token(
        self, user=None, scope=None, grant_type=None, expires_in=None, include_refresh_token=False
    ):
        """A client-credentials access token in the API's one format."""
        client: OAuthClient = self.request.client
        scopes = (scope or "").split() or list(client.scopes)
        return {
            "token_type": "Bearer",
            "access_token": tokens.issue_client_token(client.client_id, scopes),
            "expires_in": tokens.access_token_lifetime(),
            "scope": " ".join(scopes),
        }


@dataclass(frozen=True)
class AccessTokenRecord:
    """An access token presented for revocation: its verified claims."""

    claims: dict

    def check_client(self, client) -> bool:
        """The token was issued to this client."""
        return self.claims.get("client_id") == client.client_id


class Revocation(RevocationEndpoint):
    """RFC 7009: access tokens are refused until they expire; a refresh token ends its whole family."""

    CLIENT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]

    def query_token(self, token_string, token_type_hint):
        """Look the token up as the hint says first, then as the other type."""
        lookups = [self._access_token, self._refresh_token]
        if token_type_hint == "refresh_token":  # noqa: S105 - a token type, not a secret
            lookups.reverse()
        for lookup in lookups:
            found = lookup(token_string)
            if found is not None:
                return found
        return None

    @staticmethod
    def _access_token(token_string):
        try:
            return AccessTokenRecord(tokens.verify_signature_and_claims(token_string, audiences=_audiences()))
        except Unauthenticated:
            return None

    @staticmethod
    def _refresh_token(token_string):
        return db.session.scalar(
            db.select(RefreshToken).where(RefreshToken.token_hash == digest(token_string))
        )

    def revoke_token(self, token, request):
        """Revoke the access token's ``jti``, or the refresh token's family."""
        if isinstance(token, RefreshToken):
            revoke_family(token.family, "revoked")
        elif token.claims.get("jti"):
            expires = datetime.fromtimestamp(token.claims["exp"], UTC)
            revocation.revoke_access_token(token.claims["jti"], expires)


def _audiences() -> tuple[str, ...]:
    return (current_app.config["API_AUDIENCE"], tokens.issuer())


# RFC 6749 §5.2: ``error_description`` is ASCII for developers; ``message`` is for the person, localized.
TOKEN_ERRORS = {
    "invalid_request": (
        "The request is missing a parameter or has a wrong one.",
        _l("The request is missing a parameter or has a wrong one."),
    ),
    "invalid_client": (
        "Client authentication failed: unknown client, wrong secret, or a method this client may not use.",
        _l("The app or institution could not be authenticated."),
    ),
    "invalid_grant": (
        "The authorization code or refresh token is invalid, expired, already used, "
        "or was issued to another client or redirect URI.",
        _l("This sign-in has expired or was already used. Please sign in again."),
    ),
    "unauthorized_client": (
        "This client may not use this grant type.",
        _l("This app may not sign in this way."),
    ),
    "unsupported_grant_type": (
        "Unsupported grant_type: use authorization_code, refresh_token or client_credentials.",
        _l("This way of signing in is not supported."),
    ),
    "invalid_scope": (
        "The requested scope is unknown or not registered for this client.",
        _l("The app asked for access it may not have."),
    ),
    "unsupported_token_type": (
        "Unsupported token_type_hint: use access_token or refresh_token.",
        _l("This kind of token cannot be revoked here."),
    ),
}
_MISSING_PARAMETER = re.compile(r"Missing '([a-z_]+)' in request")


def explain_token_error(payload: dict) -> dict:
    """An RFC 6749 error in plain words: an ASCII ``error_description`` and a localized ``message``."""
    code = payload.get("error")
    if code not in TOKEN_ERRORS:
        return payload
    description, message = TOKEN_ERRORS[code]
    missing = _MISSING_PARAMETER.search(payload.get("error_description") or "")
    if code == "invalid_request" and missing:
        name = missing.group(1)
        description = f"The request is missing the parameter {name}."
        return {
            **payload,
            "error_description": description,
            "message": gettext("The request is missing the parameter %(name)s.", name=name),
        }
    return {**payload, "error_description": description, "message": str(message)}


def init_app(app: Flask) -> None:
    """Build this app's authorization server with our grants and endpoints."""
    server = AuthorizationServer()
    server.init_app(app, query_client=clients.client_by_id, save_token=lambda token, request: None)
    server.register_grant(CodeGrant, [S256Only(required=True), OpenIDCodeFlow(require_nonce=False)])
    server.register_grant(RefreshGrant)
    server.register_grant(ClientCredentials)
    server.register_endpoint(Revocation)
    app.extensions[EXTENSION_KEY] = server


def server() -> AuthorizationServer:
    """The authorization server of the current app."""
    return current_app.extensions[EXTENSION_KEY]
