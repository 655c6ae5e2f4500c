"""Merchants: registration with the licence, verification by the street office, members, hours."""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import gettext

from app.commerce import notices
from app.commerce.errors import AlreadyMember, CreditCodeTaken, LastOwner
from app.commerce.models import Listing, MemberRole, Merchant, MerchantMember, MerchantStatus
from app.commerce.services._shared import MAX_MEMBERS, OWNER, member_ids, merchant_for_member
from app.core import audit
from app.core.actors import Actor, Role
from app.core.audit import AuditAction
from app.core.errors import NotFound, ValidationFailed
from app.core.geo import Point
from app.core.models import add_new, utcnow
from app.core.pagination import Page, paginate
from app.core.policy import is_system, own_person, require_role
from app.extensions import db
from app.identity import services as identity

STREET_OFFICE_ROLES = (Role.COMMUNITY_WORKER, Role.ADMIN)
MERCHANT_ROLE = {MemberRole.OWNER: Role.MERCHANT_OWNER, MemberRole.STAFF: Role.MERCHANT_STAFF}


def register_merchant(actor: Actor, location: Point, **fields) -> Merchant:
    """Register a business with its licence; the registrant becomes its owner; it waits for verification."""
    person_id = own_person(actor)
    merchant = Merchant(status=MerchantStatus.PENDING, registered_by_id=person_id, **fields)
    merchant.place_at(location)
    if not add_new(merchant):
        raise CreditCodeTaken()
    _add_member(actor, merchant, identity.get_person(person_id), MemberRole.OWNER)
    return merchant


def _add_member(actor: Actor, merchant: Merchant, person, role: str) -> MerchantMember:
    member = MerchantMember(
        merchant_id=merchant.id, person_id=person.id, role=role, added_by_id=actor.person_id
    )
    if not add_new(member):
        raise AlreadyMember()
    identity.grant_role(Actor.system(), person, MERCHANT_ROLE[role], merchant_id=merchant.id)
    return member


def add_member(actor: Actor, merchant_id: uuid.UUID, phone: str, role: str) -> MerchantMember:
    """The owner adds someone (by phone; an account is made if new) as owner or staff."""
    merchant = merchant_for_member(actor, merchant_id, OWNER)
    if len(member_ids(merchant.id)) >= MAX_MEMBERS:
        raise ValidationFailed(
            {"phone": [gettext("A merchant has at most %(max)s members.", max=MAX_MEMBERS)]}
        )
    person, _ = identity.get_or_create_person(phone)
    return _add_member(actor, merchant, person, role)


def remove_member(actor: Actor, merchant_id: uuid.UUID, member_id: uuid.UUID) -> None:
    """The owner removes someone from the merchant: they lose its orders at once and its role (audited)."""
    merchant = merchant_for_member(actor, merchant_id, OWNER, lock=True)
    member = db.session.get(MerchantMember, member_id)
    if member is None or member.merchant_id != merchant.id:
        raise NotFound()
    if member.role == MemberRole.OWNER and len(member_ids(merchant.id, MemberRole.OWNER)) <= 1:
        raise LastOwner()
    person = identity.get_person(member.person_id)
    for grant in [
        g for g in person.roles if g.merchant_id == merchant.id and g.role in MERCHANT_ROLE.values()
    ]:
        identity.revoke_role(Actor.system(), grant.id)
    db.session.delete(member)
    db.session.flush()
    audit.record(actor, member.person_id, AuditAction.DELETE, "merchant_member", member.id, member.role)


def list_members(actor: Actor, merchant_id: uuid.UUID) -> list[MerchantMember]:
    """Everyone working for the merchant (its members see the list)."""
    merchant = merchant_for_member(actor, merchant_id)
    return list(
        db.session.scalars(
            db.select(MerchantMember)
            .where(MerchantMember.merchant_id == merchant.id)
            .order_by(MerchantMember.id)
            .limit(MAX_MEMBERS)
        )
    )


def my_merchants(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """The merchants the signed-in person works for, newest first."""
    person_id = own_person(actor)
    stmt = (
        db.select(Merchant)
        .join(MerchantMember, MerchantMember.merchant_id == Merchant.id)
        .where(MerchantMember.person_id == person_id)
    )
    return paginate(stmt, Merchant.id, cursor=cursor, limit=limit)


def get_merchant_as_member(actor: Actor, merchant_id: uuid.UUID) -> Merchant:
    """A merchant with its registration state, for its members."""
    return merchant_for_member(actor, merchant_id)


def set_hours(
    actor: Actor, merchant_id: uuid.UUID, opening_hours: dict, closed_dates: list[date]
) -> Merchant:
    """The owner sets the weekly opening hours and the dates it is closed (holidays)."""
    merchant = merchant_for_member(actor, merchant_id, OWNER, lock=True)
    merchant.opening_hours = opening_hours
    merchant.closed_dates = sorted({day.isoformat() for day in closed_dates})
    db.session.flush()
    return merchant


def public_merchant(merchant_id: uuid.UUID) -> Merchant:
    """A verified merchant as anyone sees it (404 for one not verified)."""
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None or not merchant.verified:
        raise NotFound()
    return merchant


def merchants_to_verify(actor: Actor, *, status: str, cursor: str | None, limit: int) -> Page:
    """The street office's list of merchants by registration state (pending first of all)."""
    require_role(actor, *STREET_OFFICE_ROLES)
    stmt = db.select(Merchant).where(Merchant.status == status)
    return paginate(stmt, Merchant.id, cursor=cursor, limit=limit)


def decide_merchant(actor: Actor, merchant_id: uuid.UUID, *, verified: bool, note: str = "") -> Merchant:
    """The street office verifies a registered merchant (it may list) or refuses it, with a note."""
    if not is_system(actor):
        require_role(actor, *STREET_OFFICE_ROLES)
    merchant = db.session.get(Merchant, merchant_id, with_for_update=True, populate_existing=True)
    if merchant is None:
        raise NotFound()
    target = MerchantStatus.VERIFIED if verified else MerchantStatus.REJECTED
    if merchant.status == target:
        return merchant
    merchant.status, merchant.decision_note = target, note or None
    merchant.decided_at, merchant.decided_by_id = utcnow(), actor.person_id
    db.session.execute(
        db.update(Listing)
        .where(Listing.merchant_id == merchant.id)
        .values(merchant_verified=merchant.verified)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    notices.merchant_decided(merchant, member_ids(merchant.id, MemberRole.OWNER))
    return merchant
