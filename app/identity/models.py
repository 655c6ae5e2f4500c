"""People, roles, sign-in, OAuth clients and tokens, mandates, account links and the city code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, UTCDateTime, utcnow
from app.core.pii import EncryptedString, EncryptedText
from app.extensions import db


def new_citycode_key() -> str:
    """A person's random city-code key: 8 bytes, base64url without padding (11 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(8)).decode().rstrip("=")


class Person(IdMixin, db.Model):
    """One human: resident, and through roles staff or merchant member."""

    __tablename__ = "people"

    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    display_name: Mapped[str] = mapped_column(String(60), default="")
    locale: Mapped[str | None] = mapped_column(String(10))
    legal_name: Mapped[str | None] = mapped_column(EncryptedString)
    national_id: Mapped[str | None] = mapped_column(EncryptedString)
    national_id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The person's random city-code key (8 bytes, base64url). Codes never show it: each code's subject
    # is this key encrypted with the issue time and random bytes, so codes cannot be linked.
    citycode_subject: Mapped[str | None] = mapped_column(String(32), unique=True, default=new_citycode_key)
    # Codes issued before this moment are refused (a lost phone).
    citycode_revoked_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The hosted sign-in page's sessions carry the generation they began in; signing out everywhere
    # (a lost phone) moves it on, and every older session stops working.
    sign_in_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    roles: Mapped[list[RoleGrant]] = relationship(
        back_populates="person", cascade="all, delete-orphan", foreign_keys="RoleGrant.person_id"
    )


class RoleGrant(IdMixin, db.Model):
    """A role held by a person, scoped to a department or merchant where the role needs one."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("person_id", "role", "department_id", "merchant_id"),)

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    department_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("departments.id"))
    merchant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    granted_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("people.id"))
    person: Mapped[Person] = relationship(back_populates="roles", foreign_keys=[person_id])


class SigningKey(IdMixin, db.Model):
    """A signing key (Ed25519, or RSA for ID tokens); private half encrypted, public half in the JWKS."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))  # "access" | "id_token" | "citycode"
    private_jwk: Mapped[str] = mapped_column(EncryptedText)  # JSON, encrypted at rest
    public_jwk: Mapped[dict] = mapped_column(JSON)
    # None: the next key, published ahead of rotation but not signing yet.
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccountLink(IdMixin, db.Model):
    """A person's account on another front end (the Telegram bot), by that front end's user id."""

    __tablename__ = "account_links"
    __table_args__ = (UniqueConstraint("provider", "external_id"),)

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))  # "telegram"
    external_id: Mapped[str] = mapped_column(String(64))  # Telegram chat id
    # What the chat is in the middle of (a flow, its step and what was said so far), kept between
    # updates so a conversation survives a restart of the bot; whom the chat acts for (a mandate's
    # grantor); and the last update handled, so a delivery Telegram repeats is handled once.
    conversation: Mapped[dict | None] = mapped_column(JSON)
    acting_for_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    last_update_id: Mapped[int | None] = mapped_column(BigInteger)
    conversation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccountLinkCode(IdMixin, db.Model):
    """A one-time code a person shows another front end (the bot) to link their account."""

    __tablename__ = "account_link_codes"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OtpChallenge(IdMixin, db.Model):
    """A one-time sign-in code sent by SMS, stored as a keyed hash; single use, few attempts."""

    __tablename__ = "otp_challenges"
    __table_args__ = (Index("ix_otp_challenges_phone_created", "phone", "created_at"),)

    phone: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OtpThrottle(db.Model):
    """Per-phone send counters (every requester together): the last send and a one-hour window."""

    __tablename__ = "otp_throttles"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_count: Mapped[int] = mapped_column(Integer, default=0)


class OtpRequesterThrottle(db.Model):
    """One requester's use of sign-in codes for one phone: its sends this hour, its wrong codes.

    The requester is the client address, kept as a keyed hash. What one requester spends (sends,
    wrong guesses) is refused to that requester only, so nobody can spend a phone's allowance for
    its owner.
    """

    __tablename__ = "otp_requester_throttles"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    requester: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_count: Mapped[int] = mapped_column(Integer, default=0)
    # Wrong codes entered for the newest code (``challenge_id``) by this requester.
    challenge_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    failures: Mapped[int] = mapped_column(Integer, default=0)


def hash_secret(secret: str) -> str:
    """SHA-256 of a client secret or api_key (they are 256 random bits, so no slow hash is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def check_secret(client: OAuthClient, secret: str) -> bool:
    """The presented secret is this client's (constant-time comparison)."""
    return client.secret_hash is not None and hmac.compare_digest(hash_secret(secret), client.secret_hash)


class OAuthClient(IdMixin, db.Model):
    """An application or institution that asks for tokens: public apps or client-credential machines."""

    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    first_party: Mapped[bool] = mapped_column(Boolean, default=False)
    # SHA-256 of the secret (or Open311 api_key); secrets are 256 random bits, shown once.
    secret_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # What authlib asks of a client (authlib.oauth2.rfc6749.ClientMixin).

    @property
    def is_public(self) -> bool:
        """A public app: no secret, authorization code with PKCE, redirect URIs."""
        return self.kind == "public"

    def get_client_id(self) -> str:
        """The client identifier."""
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        """The redirect URI used when a request names none (only with exactly one registered)."""
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        """The requested scopes this client may have (all of its scopes when none are named)."""
        if not scope:
            return " ".join(self.scopes)
        return " ".join(s for s in dict.fromkeys(scope.split()) if s in self.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """The redirect URI is registered, compared exactly."""
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        """The secret matches its stored hash."""
        return check_secret(self, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """Public clients authenticate with ``none``; institutions with their secret."""
        if self.is_public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        """Only public clients use the authorization endpoint, and only with ``code``."""
        return self.is_public and response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        """Public clients: code and refresh; institutions: client credentials."""
        if self.is_public:
            return grant_type in ("authorization_code", "refresh_token")
        return grant_type == "client_credentials"


class AuthorizationCode(IdMixin, db.Model):
    """An authorization code (stored hashed) bound to client, redirect URI and PKCE challenge."""

    __tablename__ = "oauth_authorization_codes"

    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    redirect_uri: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text, default="")
    nonce: Mapped[str | None] = mapped_column(String(255))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    family_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    # What authlib asks of an authorization code (authlib.oidc.core.AuthorizationCodeMixin).

    def get_redirect_uri(self) -> str | None:
        """The redirect URI named in the authorization request."""
        return self.redirect_uri

    def get_scope(self) -> str:
        """The granted scopes."""
        return self.scope

    def get_nonce(self) -> str | None:
        """The OpenID Connect nonce of the authorization request."""
        return self.nonce

    def get_auth_time(self) -> int:
        """When the person signed in, in epoch seconds."""
        return int(self.auth_time.timestamp())

    def get_acr(self) -> str | None:
        """No authentication context classes are defined."""
        return None

    def get_amr(self) -> list[str]:
        """Signed in with a one-time code sent by SMS (RFC 8176)."""
        return ["otp", "sms"]


class TokenFamily(IdMixin, db.Model):
    """One sign-in of a person on a client: every refresh token rotated from it, and its access tokens."""

    __tablename__ = "oauth_token_families"

    client_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"), index=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class RefreshToken(IdMixin, db.Model):
    """A refresh token (stored hashed); using it once rotates it, using it twice revokes its family."""

    __tablename__ = "oauth_refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("oauth_token_families.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    family: Mapped[TokenFamily] = relationship()

    def check_client(self, client) -> bool:
        """The token was issued to this client."""
        return self.family.client_id == client.client_id

    def get_scope(self) -> str:
        """The scopes of the sign-in."""
        return self.family.scope


class OAuthConsent(IdMixin, db.Model):
    """The scopes a person agreed to share with a third-party client."""

    __tablename__ = "oauth_consents"
    __table_args__ = (UniqueConstraint("person_id", "client_id"),)

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    client_id: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(Text, default="")


class RevokedToken(db.Model):
    """A revoked access token (``jti:...``) or token family (``sid:...``), kept until its tokens expire."""

    __tablename__ = "revoked_tokens"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


NOTIFICATION_CHANNELS = ("sms", "telegram")  # besides the in-app inbox, which is always on
CONSENT_METHODS = (
    "app",
    "in_person_signature",
    "in_person_fingerprint",
    "witnessed_verbal",
    "legal_document",
)


class Mandate(IdMixin, db.Model):
    """Authority a person (grantor) gives another (grantee) to act for them, by scope and time (帮办代办)."""

    __tablename__ = "mandates"
    __table_args__ = (
        Index("ix_mandates_grantee_grantor", "grantee_id", "grantor_id"),
        # the mandates a person granted, or received: a page is one range of either
        Index("ix_mandates_grantor_id_id", "grantor_id", "id"),
        Index("ix_mandates_grantee_id_id", "grantee_id", "id"),
    )

    grantor_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    # None while the grantee has no account: the mandate is an invitation to ``invitee_phone``.
    grantee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("people.id"))
    invitee_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    # In force only once the grantee accepted (at once when they had an account already).
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scopes: Mapped[list] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("people.id"))
    registered_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    consent_method: Mapped[str] = mapped_column(String(30))
    consent_note: Mapped[str] = mapped_column(String(500), default="")
    grantor: Mapped[Person] = relationship(foreign_keys=[grantor_id])
    grantee: Mapped[Person | None] = relationship(foreign_keys=[grantee_id])

    def status_at(self, moment: datetime) -> str:
        """``pending`` (not accepted), ``active``, ``scheduled``, ``expired`` or ``revoked`` at ``moment``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= moment:
            return "expired"
        if self.accepted_at is None:
            return "pending"
        return "scheduled" if self.starts_at > moment else "active"

    @property
    def status(self) -> str:
        """The mandate's status now."""
        return self.status_at(utcnow())


class CityCodeScan(IdMixin, db.Model):
    """One online verification of a person's city code: which scanner, for what, and the outcome."""

    __tablename__ = "citycode_scans"
    # the holder's scan log, newest first: one range of it (ids are UUIDv7, in the order of the scans)
    __table_args__ = (Index("ix_citycode_scans_person_id_id", "person_id", "id"),)

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    client_id: Mapped[str] = mapped_column(String(64))
    client_name: Mapped[str] = mapped_column(String(120), default="")
    purpose: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[str] = mapped_column(String(30))  # "accepted" or the refusal reason
    jti: Mapped[str] = mapped_column(String(64))


class CityCodeSeen(db.Model):
    """A city code already verified online (its ``jti``), kept until the code would have expired."""

    __tablename__ = "citycode_seen"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
