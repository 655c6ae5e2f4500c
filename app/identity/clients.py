"""OAuth clients: public apps with redirect URIs; institutions' machines with hashed secrets and scopes."""

from __future__ import annotations

import re
import secrets
from enum import StrEnum
from urllib.parse import urlsplit

from flask_babel import gettext

from app.core.actors import Actor, ActorKind
from app.core.errors import Conflict, ValidationFailed
from app.extensions import db
from app.identity.models import OAuthClient, hash_secret


class ClientKind(StrEnum):
    """Who a client is: a public app, or one kind of institution."""

    PUBLIC = "public"
    BILLER = "biller"
    PARKING_OPERATOR = "parking_operator"
    TRAFFIC_POLICE = "traffic_police"
    HOSPITAL = "hospital"
    SERVICE_HALL = "service_hall"
    SOCIAL_SECURITY = "social_security"
    HOUSING_FUND = "housing_fund"
    OPEN311 = "open311"
    SCANNER = "scanner"
    CARE_DEVICE = "care_device"
    CARE_PROVIDER = "care_provider"  # home-care services: visit verification terminals
    EDUCATION = "education"  # schools and the education bureau: students' transit concessions
    TRANSIT_CLEARING = "transit_clearing"  # the fare clearing house: fare disputes


# What a resident may let an app see (OpenID Connect), plus refresh tokens.
PUBLIC_SCOPES = ("openid", "profile", "phone", "offline_access")
# What each kind of institution gets unless ``--scopes`` says otherwise.
DEFAULT_SCOPES: dict[str, tuple[str, ...]] = {
    ClientKind.PUBLIC: PUBLIC_SCOPES,
    ClientKind.BILLER: ("bills:write",),
    ClientKind.PARKING_OPERATOR: ("parking:write", "citycode:verify"),  # gates also scan city codes
    ClientKind.TRAFFIC_POLICE: ("violations:write",),
    ClientKind.HOSPITAL: ("appointments:write", "citycode:verify", "citycode:identity"),
    ClientKind.SERVICE_HALL: ("appointments:write", "citycode:verify", "citycode:identity"),
    ClientKind.SOCIAL_SECURITY: ("social_security:write",),
    ClientKind.HOUSING_FUND: ("housing_fund:write",),
    ClientKind.OPEN311: ("open311",),
    ClientKind.SCANNER: ("citycode:verify",),
    ClientKind.CARE_DEVICE: ("eldercare:alarm",),
    # Home-care providers verify visits at the door and publish their home visits as appointments.
    ClientKind.CARE_PROVIDER: ("eldercare:visits", "citycode:verify", "appointments:write"),
    ClientKind.EDUCATION: ("transit:concessions",),
    ClientKind.TRANSIT_CLEARING: ("transit:disputes",),
}
SCOPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$")
CUSTOM_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
# What a client_id can be; anything else (NUL, control characters, 10 KB) names no client.
CLIENT_ID_PATTERN = re.compile(r"[A-Za-z0-9._~-]{1,64}")


def new_secret() -> str:
    """A fresh client secret or api_key, shown to its owner once."""
    return secrets.token_urlsafe(32)


def client_by_id(client_id: str | None) -> OAuthClient | None:
    """The enabled client with this ``client_id``, if any."""
    if not client_id or not CLIENT_ID_PATTERN.fullmatch(client_id):
        return None
    client = db.session.scalar(db.select(OAuthClient).where(OAuthClient.client_id == client_id))
    return client if client is not None and client.disabled_at is None else None


def client_name(client_id: str | None) -> str | None:
    """The name of the enabled client with this ``client_id`` (what a scan log or a visit names).

    The request's own client is answered from its authentication's read, not a second query.
    """
    caller = db.session.info.get("caller_client")
    if caller is not None and caller.client_id == client_id:
        return caller.name
    client = client_by_id(client_id)
    return client.name if client is not None else None


def register_client(
    kind: str,
    name: str,
    *,
    redirect_uris: list[str] | tuple[str, ...] = (),
    scopes: list[str] | tuple[str, ...] = (),
    first_party: bool = False,
    client_id: str | None = None,
    secret: str | None = None,
) -> tuple[OAuthClient, str | None]:
    """Register a client; returns it and, for institutions, the secret (or api_key) in clear, once."""
    kind = _kind(kind)
    scopes = _scopes(kind, scopes)
    client_id = client_id or f"{kind.replace('_', '-')}-{secrets.token_hex(8)}"
    if db.session.scalar(db.select(OAuthClient.id).where(OAuthClient.client_id == client_id)):
        raise Conflict(gettext("A client with this client_id already exists."))
    client = OAuthClient(client_id=client_id, name=name, kind=kind, first_party=first_party, scopes=scopes)
    if kind is ClientKind.PUBLIC:
        client.redirect_uris = _redirect_uris(redirect_uris)
    else:
        if redirect_uris:
            raise ValidationFailed({"redirect_uri": [gettext("Only public clients have redirect URIs.")]})
        secret = secret or new_secret()
        client.secret_hash = hash_secret(secret)
    db.session.add(client)
    db.session.flush()
    return client, (None if kind is ClientKind.PUBLIC else secret)


def upsert_client(kind: str, name: str, client_id: str, **options) -> OAuthClient:
    """Create or refresh a client with a fixed id (and secret): the demo data's clients."""
    existing = db.session.scalar(db.select(OAuthClient).where(OAuthClient.client_id == client_id))
    if existing is None:
        client, _ = register_client(kind, name, client_id=client_id, **options)
        return client
    kind = _kind(kind)
    existing.name, existing.kind, existing.disabled_at = name, kind, None
    existing.first_party = options.get("first_party", False)
    existing.scopes = _scopes(kind, options.get("scopes", ()))
    if kind is ClientKind.PUBLIC:
        existing.redirect_uris = _redirect_uris(options.get("redirect_uris", ()))
    elif options.get("secret"):
        existing.secret_hash = hash_secret(options["secret"])
    return existing


def list_clients() -> list[OAuthClient]:
    """Every registered client, by kind and name."""
    return list(db.session.scalars(db.select(OAuthClient).order_by(OAuthClient.kind, OAuthClient.name)))


def client_actor(client: OAuthClient) -> Actor:
    """The actor an institution's client acts as: its id and scopes."""
    return Actor(kind=ActorKind.CLIENT, client_id=client.client_id, scopes=frozenset(client.scopes))


def client_actor_for_api_key(api_key: str | None) -> Actor | None:
    """The actor of the Open311 client whose ``api_key`` this is, or None."""
    if not api_key:
        return None
    client = db.session.scalar(db.select(OAuthClient).where(OAuthClient.secret_hash == hash_secret(api_key)))
    if client is None or client.disabled_at is not None or client.kind != ClientKind.OPEN311:
        return None
    return client_actor(client)


def _kind(kind: str) -> ClientKind:
    try:
        return ClientKind(kind)
    except ValueError:
        choices = ", ".join(k.value for k in ClientKind)
        raise ValidationFailed({"kind": [gettext("Choose one of: %(choices)s.", choices=choices)]}) from None


def _scopes(kind: ClientKind, scopes) -> list[str]:
    chosen = list(dict.fromkeys(scopes)) or list(DEFAULT_SCOPES[kind])
    bad = [scope for scope in chosen if not SCOPE_PATTERN.match(scope)]
    if bad:
        raise ValidationFailed({"scopes": [gettext("Not a valid scope: %(scope)s.", scope=bad[0])]})
    if kind is ClientKind.PUBLIC and not set(chosen) <= set(PUBLIC_SCOPES):
        raise ValidationFailed(
            {"scopes": [gettext("Public clients may only ask for OpenID Connect scopes.")]}
        )
    return chosen


def _redirect_uris(uris) -> list[str]:
    uris = list(dict.fromkeys(uris))
    if not uris:
        raise ValidationFailed(
            {"redirect_uri": [gettext("A public client needs at least one redirect URI.")]}
        )
    for uri in uris:
        if not acceptable_redirect(uri):
            raise ValidationFailed(
                {"redirect_uri": [gettext("Not an acceptable redirect URI: %(uri)s", uri=uri)]}
            )
    return uris


def acceptable_redirect(uri: str) -> bool:
    """https, http on the loopback (native apps, RFC 8252), or an app's own scheme; never a fragment."""
    parts = urlsplit(uri)
    if parts.fragment or not parts.scheme:
        return False
    if parts.scheme == "https":
        return bool(parts.hostname)
    if parts.scheme == "http":
        return parts.hostname in ("127.0.0.1", "localhost", "::1")
    return bool(CUSTOM_SCHEME.match(parts.scheme)) and parts.scheme not in ("javascript", "data", "file")
