"""Access tokens: short-lived JWTs in the RFC 9068 shape, verified without a database hit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext
from joserfc.errors import JoseError

from app.core.actors import Actor, ActorKind
from app.core.errors import Unauthenticated
from app.core.ids import new_id
from app.identity import keys
from app.identity.models import Person

ACCESS_PURPOSE = "access"
ACCESS_TYPE = "at+jwt"


def issue_access_token(
    person: Person,
    *,
    client_id: str,
    scopes: tuple[str, ...] | list[str],
    now: datetime | None = None,
) -> str:
    """Sign an access token for ``person`` carrying their roles and locale."""
    issued = int((now or datetime.now(UTC)).timestamp())
    config = current_app.config
    claims = {
        "iss": config["OIDC_ISSUER"],
        "sub": str(person.id),
        "aud": config["API_AUDIENCE"],
        "iat": issued,
        "exp": issued + config["ACCESS_TOKEN_TTL_SECONDS"],
        "jti": str(new_id()),
        "client_id": client_id,
        "scope": " ".join(scopes),
        "ymt": {
            "kind": ActorKind.PERSON.value,
            "roles": sorted({grant.role for grant in person.roles}),
            "departments": sorted({str(g.department_id) for g in person.roles if g.department_id}),
            "merchants": sorted({str(g.merchant_id) for g in person.roles if g.merchant_id}),
            "locale": person.locale,
        },
    }
    return keys.sign(ACCESS_PURPOSE, {"typ": ACCESS_TYPE}, claims)


def verify_access_token(token: str, now: datetime | None = None) -> dict:
    """The claims of a valid access token; 401 for a bad signature, wrong audience or expiry."""
    try:
        decoded = _decode(token)
    except (JoseError, ValueError) as exc:
        raise Unauthenticated(gettext("The access token is invalid.")) from exc
    _check_claims(decoded.header, decoded.claims, now or datetime.now(UTC))
    return decoded.claims


def _decode(token: str):
    try:
        return keys.decode(token, ACCESS_PURPOSE)
    except (JoseError, ValueError):
        # The key may have been rotated by another process: reload once and retry.
        keys.refresh_verification_keys(ACCESS_PURPOSE)
        return keys.decode(token, ACCESS_PURPOSE)


def _check_claims(header: dict, claims: dict, now: datetime) -> None:
    config = current_app.config
    if header.get("typ") != ACCESS_TYPE:
        raise Unauthenticated(gettext("The access token is invalid."))
    if claims.get("iss") != config["OIDC_ISSUER"] or claims.get("aud") != config["API_AUDIENCE"]:
        raise Unauthenticated(gettext("The access token is invalid."))
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= now.timestamp():
        raise Unauthenticated(gettext("The access token has expired."))


def actor_from_claims(claims: dict) -> Actor:
    """Build the Actor a verified token describes."""
    extra = claims.get("ymt") or {}
    try:
        return Actor(
            kind=ActorKind(extra.get("kind", ActorKind.PERSON.value)),
            person_id=uuid.UUID(claims["sub"]),
            roles=frozenset(extra.get("roles", ())),
            department_ids=frozenset(uuid.UUID(d) for d in extra.get("departments", ())),
            merchant_ids=frozenset(uuid.UUID(m) for m in extra.get("merchants", ())),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            client_id=claims.get("client_id"),
            locale=extra.get("locale"),
            token_id=claims.get("jti"),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise Unauthenticated(gettext("The access token is invalid.")) from exc
