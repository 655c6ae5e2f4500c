"""Access tokens: short-lived JWTs in the RFC 9068 shape, verified by signature plus one revocation look-up.

One format for every token the API accepts: a person's token (through the first-party apps, the
command line or the tests) and an institution's client-credentials token.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import current_app, has_request_context, request
from flask_babel import gettext
from joserfc.errors import JoseError

from app.core.actors import Actor, ActorKind
from app.core.errors import Unauthenticated
from app.core.ids import new_id
from app.core.models import utcnow
from app.identity import keys, revocation
from app.identity.models import Person

ACCESS_PURPOSE = keys.ACCESS
ACCESS_TYPE = "at+jwt"


def issuer() -> str:
    """This deployment's issuer URL: ``OIDC_ISSUER``, else the URL the request reached.

    Outside production the issuer may be unset: discovery, tokens and ID tokens then name the
    server as the caller reached it, and tokens made outside a request (``flask token``) name
    ``LOCAL_URL``, the address ``./scripts/run-demo`` serves on.
    """
    config = current_app.config
    if config.get("OIDC_ISSUER"):
        return config["OIDC_ISSUER"].rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    return config["LOCAL_URL"]


def accepted_issuers() -> tuple[str, ...]:
    """Issuers a token may name: ours, and without ``OIDC_ISSUER`` also the local URL of the CLI."""
    config = current_app.config
    if config.get("OIDC_ISSUER"):
        return (issuer(),)
    return (issuer(), config["LOCAL_URL"])


def _base_claims(subject: str, audience: str, client_id: str, scopes, now: datetime | None) -> dict:
    issued = int((now or utcnow()).timestamp())
    config = current_app.config
    return {
        "iss": issuer(),
        "sub": subject,
        "aud": audience,
        "iat": issued,
        "exp": issued + config["ACCESS_TOKEN_TTL_SECONDS"],
        "jti": str(new_id()),
        "client_id": client_id,
        "scope": " ".join(scopes),
    }


def issue_access_token(
    person: Person,
    *,
    client_id: str,
    scopes: tuple[str, ...] | list[str],
    now: datetime | None = None,
    audience: str | None = None,
    family_id: uuid.UUID | None = None,
    auth_time: datetime | None = None,
) -> str:
    """Sign an access token for ``person`` carrying their roles and locale.

    ``audience`` defaults to the API; tokens of third-party clients name the OpenID provider
    instead, so they reach userinfo and nothing else. ``family_id`` ties the token to its sign-in.
    """
    claims = _base_claims(
        str(person.id), audience or current_app.config["API_AUDIENCE"], client_id, scopes, now
    )
    if family_id is not None:
        claims["sid"] = str(family_id)
    if auth_time is not None:
        claims["auth_time"] = int(auth_time.timestamp())
    claims["ymt"] = {
        "kind": ActorKind.PERSON.value,
        "roles": sorted({grant.role for grant in person.roles}),
        "departments": sorted({str(g.department_id) for g in person.roles if g.department_id}),
        "merchants": sorted({str(g.merchant_id) for g in person.roles if g.merchant_id}),
        "locale": person.locale,
    }
    return keys.sign(ACCESS_PURPOSE, {"typ": ACCESS_TYPE}, claims)


def issue_client_token(
    client_id: str, scopes: tuple[str, ...] | list[str], now: datetime | None = None
) -> str:
    """Sign a client-credentials access token: the subject is the institution's client itself."""
    claims = _base_claims(client_id, current_app.config["API_AUDIENCE"], client_id, scopes, now)
    claims["ymt"] = {"kind": ActorKind.CLIENT.value}
    return keys.sign(ACCESS_PURPOSE, {"typ": ACCESS_TYPE}, claims)


def verify_access_token(token: str, now: datetime | None = None, audiences: tuple[str, ...] = ()) -> dict:
    """The claims of a valid, unrevoked access token; 401 otherwise.

    The audience must be the API unless ``audiences`` lists others (userinfo accepts the provider's).
    """
    claims = verify_signature_and_claims(token, now, audiences)
    if revocation.is_revoked(claims.get("jti"), claims.get("sid")):
        raise Unauthenticated(gettext("The access token has been revoked."))
    return claims


def verify_signature_and_claims(
    token: str, now: datetime | None = None, audiences: tuple[str, ...] = ()
) -> dict:
    """Signature, type, issuer, audience and expiry of an access token, without the revocation check."""
    try:
        decoded = _decode(token)
    except (JoseError, ValueError) as exc:
        raise Unauthenticated(gettext("The access token is invalid.")) from exc
    _check_claims(
        decoded.header,
        decoded.claims,
        now or utcnow(),
        audiences or (current_app.config["API_AUDIENCE"],),
    )
    return decoded.claims


def _decode(token: str):
    try:
        return keys.decode(token, ACCESS_PURPOSE)
    except (JoseError, ValueError):
        # The key may have been rotated by another process: reload once and retry.
        keys.refresh_verification_keys(ACCESS_PURPOSE)
        return keys.decode(token, ACCESS_PURPOSE)


def _check_claims(header: dict, claims: dict, now: datetime, audiences: tuple[str, ...]) -> None:
    if header.get("typ") != ACCESS_TYPE:
        raise Unauthenticated(gettext("The access token is invalid."))
    if claims.get("iss") not in accepted_issuers() or claims.get("aud") not in audiences:
        raise Unauthenticated(gettext("The access token is invalid."))
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= now.timestamp():
        raise Unauthenticated(gettext("The access token has expired."))


def actor_from_claims(claims: dict) -> Actor:
    """Build the Actor a verified token describes: a person, or an institution's client."""
    extra = claims.get("ymt") or {}
    try:
        kind = ActorKind(extra.get("kind", ActorKind.PERSON.value))
        scopes = frozenset(str(claims.get("scope", "")).split())
        if kind is ActorKind.CLIENT:
            return Actor(kind=kind, client_id=claims["client_id"], scopes=scopes, token_id=claims.get("jti"))
        if kind is not ActorKind.PERSON:
            raise ValueError(f"tokens do not carry {kind} actors")
        return Actor(
            kind=kind,
            person_id=uuid.UUID(claims["sub"]),
            roles=frozenset(extra.get("roles", ())),
            department_ids=frozenset(uuid.UUID(d) for d in extra.get("departments", ())),
            merchant_ids=frozenset(uuid.UUID(m) for m in extra.get("merchants", ())),
            scopes=scopes,
            client_id=claims.get("client_id"),
            locale=extra.get("locale"),
            token_id=claims.get("jti"),
            session_id=claims.get("sid"),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise Unauthenticated(gettext("The access token is invalid.")) from exc
