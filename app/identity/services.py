"""People, sign-in, roles, real names, mandates, account links and the city code; the authenticator.

Other domains call these functions (never the models): ``age_of`` and ``is_real_name_verified``
for a resident's age and real-name state, ``linked_account_id`` / ``person_by_linked_account`` /
``redeem_link_code`` for the Telegram bot, ``proxy_actor`` to act for someone under a mandate,
``client_actor_for_api_key`` for Open311 callers.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, update
from sqlalchemy.orm import joinedload

from app.city import services as city_services
from app.core import audit
from app.core.actors import Actor, ActorKind, MandateScope, Role
from app.core.api import set_authenticator, set_proxy_resolver, skip_bearer_authentication
from app.core.audit import AuditAction
from app.core.calendar import SHANGHAI
from app.core.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed
from app.core.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES
from app.core.models import utcnow
from app.core.pagination import Page, paginate
from app.core.pii import age_on, lookup_hash, mask_phone
from app.core.policy import require_person, require_role
from app.core.views import WithFacts, with_facts
from app.extensions import db
from app.identity import citycode, clients, notices, oauth, otp, revocation, tokens
from app.identity.models import (
    CONSENT_METHODS,
    AccountLink,
    AccountLinkCode,
    Mandate,
    Person,
    RoleGrant,
)
from app.notifications import services as notifications

ROLES_NEEDING_DEPARTMENT = frozenset({Role.DEPARTMENT_HANDLER})
ROLES_NEEDING_MERCHANT = frozenset({Role.MERCHANT_OWNER, Role.MERCHANT_STAFF})
LINK_PROVIDERS = ("telegram",)
LINK_CODE_TTL = timedelta(minutes=10)
LINK_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LINK_CODE_LENGTH = 10
MANDATE_MAX_DURATION = timedelta(days=366)

client_actor_for_api_key = clients.client_actor_for_api_key
client_by_id = clients.client_by_id
upsert_client = clients.upsert_client  # the demo's fixed institutions (not in production)


class LinkCodeRejected(AppError):
    """A link code that is wrong, used or expired."""

    status, code = 400, "link-code-rejected"
    title = _l("Link code not accepted")
    default_detail = _l(
        "The link code is wrong, was already used or has expired. Ask for a new one in the app."
    )


# --- authentication -------------------------------------------------------------------------------


class PeopleDirectory:
    """How notifications reach people: their phone, language and linked Telegram chat."""

    def recipient(self, person_id: uuid.UUID) -> notifications.Recipient | None:
        """One query for the person and one for their chat."""
        person = db.session.get(Person, person_id)
        if person is None:
            return None
        return notifications.Recipient(
            person_id=person.id,
            phone=person.phone,
            locale=person.locale,
            telegram_chat_id=linked_account_id(person.id, "telegram"),
            name=person.display_name,
        )

    def person_id_by_phone(self, phone: str) -> uuid.UUID | None:
        """The person with this phone number, if any."""
        person = person_by_phone(phone)
        return person.id if person else None


def install() -> None:
    """Make bearer tokens resolve to actors on every request, and let notifications find people."""
    install_authenticator()
    notifications.set_recipient_directory(PeopleDirectory())


def install_authenticator() -> None:
    """Make bearer tokens (and ``X-On-Behalf-Of``) resolve to actors on every request."""
    set_authenticator(lambda token: tokens.actor_from_claims(tokens.verify_access_token(token)))
    set_proxy_resolver(proxy_actor)
    skip_bearer_authentication("/oauth/")


def proxy_actor(actor: Actor, principal: str) -> Actor:
    """The proxy actor a person becomes acting for ``principal`` under an active mandate (403 otherwise)."""
    refusal = Forbidden(gettext("You hold no active mandate from this person."))
    if actor.kind is not ActorKind.PERSON or actor.person_id is None:
        raise refusal
    try:
        principal_id = uuid.UUID(principal)
    except ValueError:
        raise refusal from None
    mandate = active_mandate(actor.person_id, principal_id)
    if mandate is None:
        raise refusal
    return Actor(
        kind=ActorKind.PROXY,
        person_id=actor.person_id,
        principal_id=principal_id,
        mandate_id=mandate.id,
        proxy_scopes=frozenset(mandate.scopes),
        scopes=actor.scopes,
        client_id=actor.client_id,
        locale=actor.locale,
        token_id=actor.token_id,
        session_id=actor.session_id,
    )


# --- people and sign-in ---------------------------------------------------------------------------


def person_by_phone(phone: str) -> Person | None:
    """The person with this E.164 phone number, if any."""
    return db.session.scalar(db.select(Person).where(Person.phone == phone))


def get_or_create_person(phone: str, display_name: str = "") -> tuple[Person, bool]:
    """The person with this phone, created on first sign-in; returns (person, created)."""
    person = person_by_phone(phone)
    if person is not None:
        return person, False
    person = Person(phone=phone, display_name=display_name or phone[-4:])
    db.session.add(person)
    db.session.flush()
    _claim_invitations(person)
    return person, True


def get_person(person_id: uuid.UUID) -> Person:
    """One person with their roles, in one round trip (404 if unknown)."""
    person = db.session.get(Person, person_id, options=[joinedload(Person.roles)])
    if person is None:
        raise NotFound()
    return person


def send_sign_in_code(phone: str, locale: str | None = None) -> datetime:
    """Text a sign-in code to ``phone``; returns when it expires (429 when sent too often)."""
    person = person_by_phone(phone)
    challenge = otp.send_code(phone, (person.locale if person else None) or locale)
    return challenge.expires_at


def sign_in_with_otp(phone: str, code: str) -> Person:
    """The person signing in with a code sent to their phone, created (and welcomed) the first time.

    A refused code raises after counting the attempt: the caller commits before answering.
    """
    otp.check_code(phone, code)
    person, _ = get_or_create_person(phone)
    first_time = person.last_signed_in_at is None
    person.last_signed_in_at = utcnow()
    if first_time:
        _welcome(person)
    return person


def _welcome(person: Person) -> None:
    notices.welcome(person.id, person.display_name)


def my_profile(actor: Actor) -> Person:
    """The signed-in person's own record."""
    return get_person(require_person(actor))


def update_preferences(
    actor: Actor,
    *,
    locale: str | None = None,
    display_name: str | None = None,
    notification_channels: list[str] | None = None,
) -> WithFacts:
    """Change the signed-in person's language, display name or notification channels (everywhere)."""
    person = my_profile(actor)
    if locale is not None:
        if locale not in SUPPORTED_LOCALES:
            raise ValidationFailed({"locale": [gettext("Unsupported language.")]})
        person.locale = locale
    if display_name is not None:
        person.display_name = display_name
    if notification_channels is not None:  # the one store of channel choices is notifications'
        notifications.set_channels_everywhere(person.id, notification_channels)
    return profile_of(person)


def profile_of(person: Person) -> WithFacts:
    """The person with where their notifications go (the inbox always), as ``/me`` shows them."""
    return with_facts(person, notification_channels=notifications.channels_everywhere(person.id))


def my_profile_view(actor: Actor) -> WithFacts:
    """The signed-in person as ``/me`` shows them."""
    return profile_of(my_profile(actor))


# --- real name and age ----------------------------------------------------------------------------


def verify_real_name(actor: Actor, legal_name: str, national_id: str) -> Person:
    """Record the person's legal name and national ID (already validated); one ID, one person."""
    person = get_person(require_person(actor))
    id_hash = lookup_hash(national_id)
    if person.national_id_hash is not None and person.national_id_hash != id_hash:
        raise Conflict(gettext("Your real name is already verified with another ID number."))
    holder = db.session.scalar(
        db.select(Person.id).where(Person.national_id_hash == id_hash, Person.id != person.id)
    )
    if holder is not None:
        raise Conflict(gettext("This ID number belongs to another account."))
    person.legal_name = legal_name.strip()
    person.national_id = national_id
    person.national_id_hash = id_hash
    person.verified_at = person.verified_at or utcnow()
    db.session.flush()
    return person


def is_real_name_verified(person_id: uuid.UUID) -> bool:
    """The person has given a legal name and a valid national ID."""
    return get_person(person_id).verified_at is not None


def national_id_hash_of(person_id: uuid.UUID) -> str | None:
    """The keyed hash of the person's verified national ID (how institutions' records find them)."""
    return db.session.scalar(db.select(Person.national_id_hash).where(Person.id == person_id))


def people_by_national_id_hash(hashes: Iterable[str]) -> dict[str, uuid.UUID]:
    """The people whose verified national IDs have these keyed hashes, by hash (one query)."""
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    rows = db.session.execute(
        db.select(Person.national_id_hash, Person.id).where(Person.national_id_hash.in_(wanted))
    )
    return {row.national_id_hash: row.id for row in rows}


def age_of(person_id: uuid.UUID, on: date | None = None) -> int | None:
    """The person's age in whole years (in Shanghai time today unless ``on``), None before real-name."""
    person = get_person(person_id)
    if person.national_id is None:
        return None
    today = on or datetime.now(ZoneInfo(current_app.config["BUSINESS_TIMEZONE"])).date()
    return age_on(person.national_id, today)


# --- roles ----------------------------------------------------------------------------------------


def grant_role(
    actor: Actor,
    person: Person,
    role: str,
    *,
    department_code: str | None = None,
    merchant_id: uuid.UUID | None = None,
) -> RoleGrant:
    """Give ``person`` a role (administrators, or the system for the command line)."""
    if actor.kind is not ActorKind.SYSTEM:
        require_role(actor, Role.ADMIN)
    department_id = _department_for(role, department_code)
    if role in ROLES_NEEDING_MERCHANT and merchant_id is None:
        raise ValidationFailed({"merchant_id": [gettext("This role needs a merchant.")]})
    existing = next(
        (
            g
            for g in person.roles
            if g.role == role and g.department_id == department_id and g.merchant_id == merchant_id
        ),
        None,
    )
    if existing is not None:
        return existing
    grant = RoleGrant(
        role=role, department_id=department_id, merchant_id=merchant_id, granted_by_id=actor.person_id
    )
    person.roles.append(grant)
    db.session.flush()
    if actor.kind is not ActorKind.SYSTEM:
        audit.record(actor, person.id, AuditAction.CHANGE, "role_grant", reason=role)
    return grant


def grant_role_by_phone(actor: Actor, phone: str, role: str, **scope) -> RoleGrant:
    """An administrator grants a role to the person with this phone (created if new)."""
    require_role(actor, Role.ADMIN)
    person, _ = get_or_create_person(phone)
    return grant_role(actor, person, role, **scope)


def revoke_role(actor: Actor, grant_id: uuid.UUID) -> RoleGrant:
    """An administrator takes a role away (never their own administrator role)."""
    require_role(actor, Role.ADMIN)
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None:
        raise NotFound()
    if grant.person_id == actor.person_id and grant.role == Role.ADMIN:
        raise Conflict(gettext("You cannot take away your own administrator role."))
    person = grant.person
    person.roles.remove(grant)
    db.session.flush()
    audit.record(actor, person.id, AuditAction.DELETE, "role_grant", grant.id, f"revoked {grant.role}")
    return grant


def _department_for(role: str, department_code: str | None) -> uuid.UUID | None:
    if role not in {r.value for r in Role}:
        raise ValidationFailed({"role": [gettext("Unknown role.")]})
    if department_code is None:
        if role in ROLES_NEEDING_DEPARTMENT:
            raise ValidationFailed({"department": [gettext("This role needs a department.")]})
        return None
    department = city_services.department_by_code(department_code)
    if department is None:
        raise ValidationFailed({"department": [gettext("Unknown department.")]})
    return department.id


def access_log(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """Every staff, proxy or institutional touch of the signed-in person's data."""
    person_id = require_person(actor)
    if actor.kind is ActorKind.PROXY:
        raise NotFound()
    return audit.entries_about(person_id, cursor=cursor, limit=limit)


# --- account links (the Telegram bot) -------------------------------------------------------------


def create_link_code(actor: Actor, provider: str) -> tuple[str, datetime]:
    """A one-time code, valid ten minutes, that links the person's account on ``provider``."""
    person_id = require_person(actor)
    if provider not in LINK_PROVIDERS:
        raise NotFound()
    code = "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(LINK_CODE_LENGTH))
    expires_at = utcnow() + LINK_CODE_TTL
    db.session.add(
        AccountLinkCode(
            person_id=person_id, provider=provider, code_hash=_link_code_hash(code), expires_at=expires_at
        )
    )
    db.session.flush()
    return code, expires_at


def _link_code_hash(code: str) -> str:
    normalized = "".join(ch for ch in code.upper() if ch.isalnum())
    return lookup_hash("link:" + normalized)


def redeem_link_code(code: str, telegram_chat_id: int | str) -> Person:
    """Link a Telegram chat to the person whose code it presents (the bot calls this); single use."""
    now = utcnow()
    row = db.session.scalar(
        db.select(AccountLinkCode).where(AccountLinkCode.code_hash == _link_code_hash(code))
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise LinkCodeRejected()
    claimed = db.session.execute(
        update(AccountLinkCode)
        .where(AccountLinkCode.id == row.id, AccountLinkCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise LinkCodeRejected()
    external_id = str(telegram_chat_id)
    db.session.execute(
        db.delete(AccountLink).where(
            AccountLink.provider == row.provider,
            or_(AccountLink.person_id == row.person_id, AccountLink.external_id == external_id),
        )
    )
    link = AccountLink(person_id=row.person_id, provider=row.provider, external_id=external_id)
    db.session.add(link)
    db.session.flush()
    if row.provider == "telegram":
        notices.telegram_linked(row.person_id, link.id)
    return get_person(row.person_id)


def linked_account_id(person_id: uuid.UUID, provider: str) -> str | None:
    """The person's id on another front end (e.g. their Telegram chat id), if they linked one."""
    return db.session.scalar(
        db.select(AccountLink.external_id).where(
            AccountLink.person_id == person_id, AccountLink.provider == provider
        )
    )


def person_by_linked_account(provider: str, external_id: int | str) -> Person | None:
    """The person who linked this account (e.g. a Telegram chat id), if any."""
    return db.session.scalar(
        db.select(Person)
        .join(AccountLink, AccountLink.person_id == Person.id)
        .where(AccountLink.provider == provider, AccountLink.external_id == str(external_id))
    )


def list_links(actor: Actor) -> list[AccountLink]:
    """The signed-in person's linked accounts."""
    person_id = require_person(actor)
    return list(db.session.scalars(db.select(AccountLink).where(AccountLink.person_id == person_id)))


def remove_link(actor: Actor, provider: str) -> None:
    """Unlink the person's account on ``provider`` (404 when there is none)."""
    person_id = require_person(actor)
    link = db.session.scalar(
        db.select(AccountLink).where(AccountLink.person_id == person_id, AccountLink.provider == provider)
    )
    if link is None:
        raise NotFound()
    db.session.delete(link)
    db.session.flush()


# --- mandates (帮办代办) ---------------------------------------------------------------------------


def grant_mandate(
    actor: Actor,
    *,
    grantee_phone: str,
    scopes: list[str],
    expires_at: datetime,
    starts_at: datetime | None = None,
    note: str = "",
) -> Mandate:
    """The signed-in person lets the person with ``grantee_phone`` act for them."""
    if actor.kind is not ActorKind.PERSON:
        raise Forbidden(gettext("Only you can grant authority over your own affairs."))
    grantor = get_person(actor.person_id)
    grantee = person_by_phone(grantee_phone)
    if grantee is None:
        return _invite(actor, grantor, grantee_phone, scopes, starts_at, expires_at, "app", note)
    return _create_mandate(actor, grantor, grantee, scopes, starts_at, expires_at, "app", note)


def register_mandate_for(
    actor: Actor,
    *,
    grantor_phone: str,
    grantee_phone: str,
    scopes: list[str],
    expires_at: datetime,
    consent_method: str,
    consent_note: str,
    starts_at: datetime | None = None,
) -> Mandate:
    """A community worker registers a mandate for a resident without a smartphone, and how they consented."""
    require_role(actor, Role.COMMUNITY_WORKER)
    if consent_method not in CONSENT_METHODS or consent_method == "app":
        raise ValidationFailed({"consent_method": [gettext("Say how the resident consented.")]})
    grantor, _ = get_or_create_person(grantor_phone)
    grantee = person_by_phone(grantee_phone)
    if grantee is None:
        mandate = _invite(
            actor, grantor, grantee_phone, scopes, starts_at, expires_at, consent_method, consent_note
        )
    else:
        mandate = _create_mandate(
            actor, grantor, grantee, scopes, starts_at, expires_at, consent_method, consent_note
        )
    audit.record(
        actor, grantor.id, AuditAction.CREATE, "mandate", mandate.id, "registered by a community worker"
    )
    notices.mandate_registered(
        grantor.id,
        mandate.id,
        grantee.display_name if grantee else mask_phone(grantee_phone),
        ", ".join(mandate.scopes),
        mandate.expires_at.astimezone(SHANGHAI).date(),
    )
    return mandate


def _create_mandate(actor, grantor, grantee, scopes, starts_at, expires_at, consent_method, note) -> Mandate:
    now = utcnow()
    starts_at = starts_at or now
    errors = _mandate_errors(grantor, grantee, scopes, starts_at, expires_at, now)
    if errors:
        raise ValidationFailed(errors)
    if active_mandate(grantee.id, grantor.id, at=starts_at) is not None:
        raise Conflict(
            gettext("This person already holds an active mandate from the grantor; revoke it first.")
        )
    mandate = _new_mandate(actor, grantor, scopes, starts_at, expires_at, consent_method, note)
    mandate.grantee_id, mandate.accepted_at = grantee.id, now
    db.session.add(mandate)
    db.session.flush()
    return mandate


def _new_mandate(actor, grantor, scopes, starts_at, expires_at, consent_method, note) -> Mandate:
    return Mandate(
        grantor_id=grantor.id,
        scopes=[s.value for s in MandateScope if s.value in scopes],
        starts_at=starts_at,
        expires_at=expires_at,
        registered_by_id=actor.person_id,
        consent_method=consent_method,
        consent_note=note,
    )


def _invite(actor, grantor, phone, scopes, starts_at, expires_at, consent_method, note) -> Mandate:
    """A mandate to a phone with no account: an invitation, in force once its holder signs in and accepts."""
    now = utcnow()
    starts_at = starts_at or now
    errors = _mandate_errors(grantor, None, scopes, starts_at, expires_at, now)
    if errors:
        raise ValidationFailed(errors)
    if _open_invitation(grantor.id, phone) is not None:
        raise Conflict(gettext("This number already has an invitation from the grantor; revoke it first."))
    mandate = _new_mandate(actor, grantor, scopes, starts_at, expires_at, consent_method, note)
    mandate.invitee_phone = phone
    db.session.add(mandate)
    db.session.flush()
    locale = grantor.locale or (actor.locale if actor.kind is ActorKind.PERSON else None) or DEFAULT_LOCALE
    notices.mandate_invitation(
        phone, locale, mandate.id, grantor.display_name, mask_phone(grantor.phone), *_mandate_terms(mandate)
    )
    return mandate


def _open_invitation(grantor_id: uuid.UUID, phone: str) -> Mandate | None:
    return db.session.scalar(
        db.select(Mandate).where(
            Mandate.grantor_id == grantor_id,
            Mandate.invitee_phone == phone,
            Mandate.accepted_at.is_(None),
            Mandate.revoked_at.is_(None),
            Mandate.expires_at > utcnow(),
        )
    )


def _mandate_terms(mandate: Mandate) -> tuple[str, date]:
    """The scopes and last day of a mandate, as notices show them."""
    return ", ".join(mandate.scopes), mandate.expires_at.astimezone(SHANGHAI).date()


def _claim_invitations(person: Person) -> None:
    """A new account takes over the invitations sent to its phone; each still waits for acceptance."""
    invitations = db.session.scalars(
        db.select(Mandate).where(Mandate.invitee_phone == person.phone, Mandate.grantee_id.is_(None))
    )
    for mandate in invitations:
        mandate.grantee_id = person.id
        if mandate.revoked_at is None and mandate.expires_at > utcnow():
            notices.mandate_to_accept(
                person.id, mandate.id, mandate.grantor.display_name, *_mandate_terms(mandate)
            )


def accept_mandate(actor: Actor, mandate_id: uuid.UUID) -> Mandate:
    """The grantee accepts a mandate they were invited to; from then on it is in force."""
    mandate = get_mandate(actor, mandate_id)
    if mandate.grantee_id != actor.person_id:
        raise Forbidden(gettext("Only the person invited can accept a mandate."))
    if mandate.accepted_at is not None:
        return mandate
    if mandate_status(mandate) != "pending":
        raise Conflict(gettext("This mandate was revoked or has expired."))
    if active_mandate(actor.person_id, mandate.grantor_id) is not None:
        raise Conflict(
            gettext("This person already holds an active mandate from the grantor; revoke it first.")
        )
    mandate.accepted_at = utcnow()
    notices.mandate_accepted(
        mandate.grantor_id, mandate.id, mandate.grantee.display_name, *_mandate_terms(mandate)
    )
    return mandate


def _mandate_errors(grantor, grantee, scopes, starts_at, expires_at, now) -> dict:
    errors: dict = {}
    if grantee is not None and grantor.id == grantee.id:
        errors["grantee_phone"] = [gettext("You cannot give a mandate to yourself.")]
    if not scopes or not set(scopes) <= {s.value for s in MandateScope}:
        errors["scopes"] = [gettext("Choose one or more of: %(choices)s.", choices=", ".join(MandateScope))]
    if expires_at <= max(starts_at, now):
        errors["expires_at"] = [gettext("The mandate must end in the future, after it starts.")]
    elif expires_at - starts_at > MANDATE_MAX_DURATION:
        errors["expires_at"] = [gettext("A mandate lasts at most one year.")]
    return errors


def active_mandate(
    grantee_id: uuid.UUID, grantor_id: uuid.UUID, at: datetime | None = None
) -> Mandate | None:
    """The mandate in force from ``grantor_id`` to ``grantee_id`` at ``at`` (now), if any."""
    moment = at or utcnow()
    return db.session.scalar(
        db.select(Mandate)
        .where(
            Mandate.grantee_id == grantee_id,
            Mandate.grantor_id == grantor_id,
            Mandate.revoked_at.is_(None),
            Mandate.accepted_at.is_not(None),
            Mandate.starts_at <= moment,
            Mandate.expires_at > moment,
        )
        .order_by(Mandate.id.desc())
        .limit(1)
    )


def list_mandates(actor: Actor, *, direction: str, cursor: str | None, limit: int) -> Page:
    """Mandates the signed-in person granted, or received, newest first."""
    person_id = require_person(actor)
    column = Mandate.grantor_id if direction == "granted" else Mandate.grantee_id
    return paginate(db.select(Mandate).where(column == person_id), Mandate.id, cursor=cursor, limit=limit)


def get_mandate(actor: Actor, mandate_id: uuid.UUID) -> Mandate:
    """A mandate the signed-in person granted or received (404 for anyone else)."""
    person_id = require_person(actor)
    mandate = db.session.get(Mandate, mandate_id)
    if mandate is None or person_id not in (mandate.grantor_id, mandate.grantee_id):
        raise NotFound()
    return mandate


def revoke_mandate(actor: Actor, mandate_id: uuid.UUID) -> Mandate:
    """End a mandate now: its grantor withdraws it, or its grantee gives it up."""
    mandate = get_mandate(actor, mandate_id)
    if mandate.revoked_at is None:
        mandate.revoked_at = utcnow()
        mandate.revoked_by_id = actor.person_id
    return mandate


def mandate_status(mandate: Mandate, now: datetime | None = None) -> str:
    """``pending`` (not accepted yet), ``active``, ``scheduled``, ``expired`` or ``revoked``."""
    return mandate.status_at(now or utcnow())


# --- the city code --------------------------------------------------------------------------------


def my_city_code(actor: Actor) -> citycode.IssuedCode:
    """A fresh city code for the signed-in person."""
    return citycode.issue_code(my_profile(actor))


def report_lost_phone(actor: Actor) -> tuple[datetime, int]:
    """Refuse every city code issued until now and sign out other devices; returns (moment, sign-outs)."""
    person = my_profile(actor)
    moment = citycode.revoke_codes(person)
    ended = oauth.revoke_sessions_of(person.id, keep_family_id=actor.session_id, reason="lost_phone")
    return moment, ended


def my_city_code_scans(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """Every online verification of the signed-in person's codes."""
    return citycode.scans_of(require_person(actor), cursor=cursor, limit=limit)


def verify_city_code(actor: Actor, code: str, purpose: str) -> citycode.Verification:
    """A scanner checks a code online (scope ``citycode:verify``)."""
    return citycode.verify_code(actor, code, purpose)


# --- housekeeping ---------------------------------------------------------------------------------


def prune_expired() -> dict[str, int]:
    """Delete expired sign-in, link and authorization codes, refresh tokens, revocations, replay records."""
    now = utcnow()
    link_codes = db.session.execute(
        db.delete(AccountLinkCode).where(AccountLinkCode.expires_at < now - timedelta(days=1))
    ).rowcount
    return {
        "sign_in_codes": otp.prune(now),
        "oauth_codes_and_refresh_tokens": oauth.prune(now),
        "link_codes": link_codes or 0,
        "revocations": revocation.prune(now),
        "city_codes_seen": citycode.prune(now),
    }


def actor_for_linked_account(provider: str, external_id: int | str) -> Actor | None:
    """The person behind a linked front-end account (the bot's chat), as an actor; None if unlinked."""
    person = person_by_linked_account(provider, external_id)
    if person is None:
        return None
    return Actor(
        kind=ActorKind.PERSON,
        person_id=person.id,
        roles=frozenset(grant.role for grant in person.roles),
        department_ids=frozenset(g.department_id for g in person.roles if g.department_id),
        merchant_ids=frozenset(g.merchant_id for g in person.roles if g.merchant_id),
        client_id=provider,
        locale=person.locale,
    )


def people_with_role(role: str, department_id: uuid.UUID | None = None) -> list[uuid.UUID]:
    """The ids of everyone holding ``role`` (in ``department_id`` when given): who to tell about work."""
    stmt = db.select(RoleGrant.person_id).where(RoleGrant.role == role)
    if department_id is not None:
        stmt = stmt.where(RoleGrant.department_id == department_id)
    return sorted(set(db.session.scalars(stmt)))
