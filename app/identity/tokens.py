"""Access tokens: short-lived JWTs in the RFC 9068 shape, verified by signature plus one database read.

One format for every token the API accepts: a person's token (through the first-party apps, the
command line or the tests) and an institution's client-credentials token.

A token says who the caller is and what the app may do (scopes); it does not carry what the caller
may do as staff. Each request reads the person's current roles, departments, merchants and language
(or the institution's client) in one indexed statement that also checks revocation, so a role taken
away, a language changed, a client disabled or a token revoked takes effect on the next request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context, request
from flask_babel import gettext
from joserfc.errors import JoseError
from sqlalchemy import Uuid, bindparam

from app.core.actors import Actor, ActorKind
from app.core.errors import Unauthenticated
from app.core.ids import new_id
from app.core.models import utcnow
from app.extensions import db
from app.identity import keys, revocation
from app.identity.models import OAuthClient, Person, RoleGrant

ACCESS_PURPOSE = keys.ACCESS
ACCESS_TYPE = "at+jwt"
# However the setting is changed, no access token lives longer than this, and none is accepted that
# claims to (verification checks exp - iat against it, not only exp against the clock).
MAX_ACCESS_TOKEN_SECONDS = 3600
CLOCK_SKEW_SECONDS = 60


def access_token_lifetime() -> int:
    """Seconds an access token lives: the setting, never more than ``MAX_ACCESS_TOKEN_SECONDS``."""
    return min(int(current_app.config["ACCESS_TOKEN_TTL_SECONDS"]), MAX_ACCESS_TOKEN_SECONDS)


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


def _accepted_issuer(name) -> bool:
    """``name in accepted_issuers()``, without working out the request's URL when the local one matches."""
    config = current_app.config
    if not config.get("OIDC_ISSUER") and name == config["LOCAL_URL"]:
        return True
    return name in accepted_issuers()


def _base_claims(subject: str, audience: str, client_id: str, scopes, now: datetime | None) -> dict:
    issued = int((now or utcnow()).timestamp())
    return {
        "iss": issuer(),
        "sub": subject,
        "aud": audience,
        "iat": issued,
        "exp": issued + access_token_lifetime(),
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
    """Sign an access token for ``person`` (roles and language are read per request, not carried).

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
    claims["ymt"] = {"kind": ActorKind.PERSON.value}
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
        return keys.decode(token, ACCESS_PURPOSE, remember=True)
    except (JoseError, ValueError):
        # The key may have been rotated by another process: reload once and retry.
        keys.refresh_verification_keys(ACCESS_PURPOSE)
        return keys.decode(token, ACCESS_PURPOSE, remember=True)


def _check_claims(header: dict, claims: dict, now: datetime, audiences: tuple[str, ...]) -> None:
    if header.get("typ") != ACCESS_TYPE:
        raise Unauthenticated(gettext("The access token is invalid."))
    if not _accepted_issuer(claims.get("iss")):
        if not current_app.config.get("OIDC_ISSUER") and isinstance(claims.get("iss"), str):
            # Outside production the usual cause is a token printed for another port: say so.
            raise Unauthenticated(
                gettext(
                    "The access token names the server %(theirs)s, but this one is %(ours)s: print tokens "
                    "with PORT set to the port this server listens on.",
                    theirs=claims["iss"][:100],
                    ours=issuer(),
                )
            )
        raise Unauthenticated(gettext("The access token is invalid."))
    if claims.get("aud") not in audiences:
        raise Unauthenticated(gettext("The access token is invalid."))
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int) or not isinstance(iat, int):
        raise Unauthenticated(gettext("The access token is invalid."))
    if exp - iat > access_token_lifetime() or iat > now.timestamp() + CLOCK_SKEW_SECONDS:
        raise Unauthenticated(gettext("The access token is invalid."))
    if exp <= now.timestamp():
        raise Unauthenticated(gettext("The access token has expired."))


def authenticate(token: str) -> Actor:
    """The actor behind a bearer token, as the database says it is now (401 otherwise).

    One statement: the person with their current role grants, or the institution's client, together
    with whether the token or its sign-in was revoked.
    """
    claims = verify_signature_and_claims(token)
    kind = _kind_of(claims)
    if kind is ActorKind.CLIENT:
        return _client_actor(claims)
    try:
        person_id = uuid.UUID(str(claims["sub"]))
    except (KeyError, ValueError) as exc:
        raise Unauthenticated(gettext("The access token is invalid.")) from exc
    rows = db.session.execute(_CALLER, {"person_id": person_id, **revocation.parameters(claims)}).all()
    if not rows:
        raise Unauthenticated(gettext("The access token is invalid."))
    if rows[0].revoked:
        raise Unauthenticated(gettext("The access token has been revoked."))
    caller = Caller.from_rows(rows)
    # Kept for the unit of work: a route showing the signed-in person (``/me``, a fresh city code)
    # answers from this read, not a second query; a route changing them loads the entity.
    db.session.info["caller"] = caller
    return actor_from_claims(claims, caller)


@dataclass(frozen=True, slots=True)
class CallerGrant:
    """A role the caller holds, as the authentication read it."""

    id: uuid.UUID
    role: str
    department_id: uuid.UUID | None
    merchant_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class Caller:
    """The signed-in person as the request's authentication read them, read-only.

    Plain columns, not the ``Person`` entity: the read every API call makes costs a fraction of an
    ORM load. It holds what deciding access, ``/me`` and a fresh city code need.
    """

    id: uuid.UUID
    phone: str
    display_name: str
    locale: str | None
    legal_name: str | None
    national_id: str | None
    verified_at: datetime | None
    created_at: datetime
    citycode_subject: str | None
    citycode_revoked_before: datetime | None
    roles: tuple[CallerGrant, ...]

    @classmethod
    def from_rows(cls, rows) -> Caller:
        """One row per role grant (one row with no grant for a person without roles)."""
        first = rows[0]
        grants = tuple(
            CallerGrant(row.grant_id, row.role, row.department_id, row.merchant_id)
            for row in rows
            if row.grant_id is not None
        )
        return cls(*(getattr(first, name) for name in _CALLER_FIELDS), roles=grants)


_PEOPLE, _GRANTS = Person.__table__.c, RoleGrant.__table__.c
_CALLER_FIELDS = (
    "id",
    "phone",
    "display_name",
    "locale",
    "legal_name",
    "national_id",
    "verified_at",
    "created_at",
    "citycode_subject",
    "citycode_revoked_before",
)
# Built once (a statement object keeps its compiled form and cache key): every API call runs one.
# Table columns, so the session hands it to the connection without the ORM's loading.
_CALLER = (
    db.select(
        *(_PEOPLE[name] for name in _CALLER_FIELDS),
        _GRANTS.id.label("grant_id"),
        _GRANTS.role,
        _GRANTS.department_id,
        _GRANTS.merchant_id,
        revocation.REVOKED.label("revoked"),
    )
    .select_from(Person.__table__.outerjoin(RoleGrant.__table__, _GRANTS.person_id == _PEOPLE.id))
    .where(_PEOPLE.id == bindparam("person_id", type_=Uuid))
)
_CLIENTS = OAuthClient.__table__.c
_CLIENT = db.select(
    _CLIENTS.client_id, _CLIENTS.name, _CLIENTS.disabled_at, revocation.REVOKED.label("revoked")
).where(_CLIENTS.client_id == bindparam("client_id"))


@dataclass(frozen=True, slots=True)
class CallerClient:
    """The institution's client behind a client-credentials token, as its authentication read it."""

    client_id: str
    name: str


def _client_actor(claims: dict) -> Actor:
    row = db.session.execute(
        _CLIENT,
        {"client_id": str(claims.get("client_id")), **revocation.parameters({"jti": claims.get("jti")})},
    ).one_or_none()
    if row is None or row.disabled_at is not None:
        raise Unauthenticated(gettext("The access token is invalid."))
    if row.revoked:
        raise Unauthenticated(gettext("The access token has been revoked."))
    # What a scan log or a care visit names, without reading the client again.
    db.session.info["caller_client"] = CallerClient(row.client_id, row.name)
    return actor_from_claims(claims)


def _kind_of(claims: dict) -> ActorKind:
    try:
        kind = ActorKind(str((claims.get("ymt") or {}).get("kind", ActorKind.PERSON.value)))
    except ValueError as exc:
        raise Unauthenticated(gettext("The access token is invalid.")) from exc
    if kind not in (ActorKind.PERSON, ActorKind.CLIENT):
        raise Unauthenticated(gettext("The access token is invalid."))
    return kind


def actor_from_claims(claims: dict, person: Person | Caller | None = None) -> Actor:
    """Build the Actor of a verified token: an institution's client, or a person.

    A person's roles and language are ``person``'s current ones (none when ``person`` is not given).
    """
    scopes = frozenset(str(claims.get("scope", "")).split())
    try:
        if _kind_of(claims) is ActorKind.CLIENT:
            client_id = claims["client_id"]
            return Actor(
                kind=ActorKind.CLIENT, client_id=client_id, scopes=scopes, token_id=claims.get("jti")
            )
        grants = person.roles if person is not None else []
        return Actor(
            kind=ActorKind.PERSON,
            person_id=uuid.UUID(claims["sub"]),
            roles=frozenset(grant.role for grant in grants),
            department_ids=frozenset(g.department_id for g in grants if g.department_id),
            merchant_ids=frozenset(g.merchant_id for g in grants if g.merchant_id),
            scopes=scopes,
            client_id=claims.get("client_id"),
            locale=person.locale if person is not None else None,
            token_id=claims.get("jti"),
            session_id=claims.get("sid"),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise Unauthenticated(gettext("The access token is invalid.")) from exc
