"""The provider's rules: token families, refresh tokens, codes spent once, consent, userinfo, discovery."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from app.core.errors import Unauthenticated
from app.core.i18n import normalize_locale
from app.core.models import utcnow
from app.extensions import db
from app.identity import keys, revocation, tokens
from app.identity.models import (
    AuthorizationCode,
    OAuthClient,
    OAuthConsent,
    Person,
    RefreshToken,
    TokenFamily,
)
from app.identity.oauth._shared import OIDC_SCOPES, _access_ttl, digest


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
