"""Mandates (帮办代办): who may act for whom, in which scopes, until when; invitations to new numbers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext, ngettext
from sqlalchemy import bindparam

from app.core import audit
from app.core.actors import Actor, ActorKind, MandateScope, Role
from app.core.audit import AuditAction
from app.core.calendar import SHANGHAI
from app.core.cards import Card, Urgency, folded
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.i18n import DEFAULT_LOCALE
from app.core.models import UTCDateTime, utcnow
from app.core.pagination import Page, paginate
from app.core.pii import mask_phone
from app.core.policy import require_person, require_role
from app.extensions import db
from app.identity import notices
from app.identity.models import (
    CONSENT_METHODS,
    Mandate,
    Person,
)
from app.identity.services._shared import MANDATE_MAX_DURATION
from app.identity.services.people import NEW_PERSON_HOOKS, get_or_create_person, get_person, person_by_phone


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


NEW_PERSON_HOOKS.append(_claim_invitations)


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


# Built once: the home runs these on every visit (see docs/adding-a-domain.md, "hot statements").
_MOMENT = bindparam("moment", type_=UTCDateTime)
# The people whose mandates a grantee holds now, bound by ``grantee_id``, ``moment`` and ``limit``
# (rows for :func:`principals_from`; the home runs it inside its own statement).
PRINCIPALS = (
    db.select(Mandate.grantor_id, Mandate.scopes, Person.display_name, Mandate.id.label("mandate_id"))
    .join(Person, Person.id == Mandate.grantor_id)
    .where(
        Mandate.grantee_id == bindparam("grantee_id"),
        Mandate.revoked_at.is_(None),
        Mandate.accepted_at.is_not(None),
        Mandate.starts_at <= _MOMENT,
        Mandate.expires_at > _MOMENT,
    )
    .order_by(Mandate.id)
    .limit(bindparam("limit"))
)
_WAITING = (
    db.select(db.func.count())
    .select_from(Mandate)
    .where(
        Mandate.grantee_id == bindparam("person_id"),
        Mandate.accepted_at.is_(None),
        Mandate.invitee_phone.is_not(None),
        Mandate.revoked_at.is_(None),
        Mandate.expires_at > _MOMENT,
    )
)


def guardians_of(grantor_id: uuid.UUID, scope: MandateScope, limit: int = 20) -> list[uuid.UUID]:
    """The people holding a mandate from ``grantor_id`` in force now that covers ``scope`` (one query)."""
    now = utcnow()
    rows = db.session.execute(
        db.select(Mandate.grantee_id, Mandate.scopes)
        .where(
            Mandate.grantor_id == grantor_id,
            Mandate.grantee_id.is_not(None),
            Mandate.revoked_at.is_(None),
            Mandate.accepted_at.is_not(None),
            Mandate.starts_at <= now,
            Mandate.expires_at > now,
        )
        .order_by(Mandate.id)
        .limit(limit)
    ).all()
    return list(dict.fromkeys(grantee for grantee, scopes in rows if MandateScope(scope).value in scopes))


@dataclass(frozen=True)
class Principal:
    """Someone the person acts for: who, by what name, in which scopes."""

    person_id: uuid.UUID
    display_name: str
    scopes: frozenset[str]


def principals_of(grantee_id: uuid.UUID, limit: int = 10) -> list[Principal]:
    """The people whose mandates the person holds now (at most ``limit``, one query)."""
    params = {"grantee_id": grantee_id, "moment": utcnow(), "limit": limit}
    return principals_from(db.session.execute(PRINCIPALS, params).all())


def principals_from(rows) -> list[Principal]:
    """:data:`PRINCIPALS`' rows (grantor, scopes, name, mandate) as principals, one per grantor."""
    merged: dict[uuid.UUID, Principal] = {}
    for grantor_id, scopes, name, _ in sorted(rows, key=lambda row: row[3]):
        known = merged[grantor_id].scopes if grantor_id in merged else frozenset()
        merged[grantor_id] = Principal(grantor_id, name, known | frozenset(scopes))
    return list(merged.values())


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


@folded(_WAITING, params=lambda now: {"moment": now})
def home_cards(row: tuple, person_id: uuid.UUID, now: datetime) -> list[Card]:
    """Mandates someone gave the person that wait for them to accept (one query)."""
    (waiting,) = row
    if not waiting:
        return []
    return [
        Card(
            "identity",
            "mandates_to_accept",
            Urgency.TODAY,
            ngettext("%(num)d request to act for someone", "%(num)d requests to act for someone", waiting),
            gettext("Accept it to help them with what they asked."),
            count=waiting,
            target="/api/v1/me/mandates?direction=received",
        )
    ]
