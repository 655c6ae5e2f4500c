"""authlib glue: PKCE with S256 only, the code, OpenID, refresh and client-credentials grants, revocation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError, InvalidScopeError, OAuth2Error
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, ClientCredentialsGrant, RefreshTokenGrant
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from authlib.oidc.core import OpenIDCode
from authlib.oidc.core.util import create_half_hash
from flask import current_app

from app.core.errors import Unauthenticated
from app.core.models import utcnow
from app.extensions import db
from app.identity import keys, revocation, tokens
from app.identity.models import (
    AuthorizationCode,
    OAuthClient,
    Person,
    RefreshToken,
)
from app.identity.oauth._shared import CODE_TTL, ID_TOKEN_TTL, EndUser, digest
from app.identity.oauth.rules import (
    claim_once,
    find_authorization_code,
    find_refresh_token,
    issue_token_set,
    revoke_family,
    start_family,
    userinfo_claims,
)


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
