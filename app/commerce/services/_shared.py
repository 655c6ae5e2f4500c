"""What every part of commerce shares: its names, limits, and who works for which merchant."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from flask_babel import gettext

from app.commerce.models import MemberRole, Merchant, MerchantMember
from app.core.actors import Actor, ActorKind, MandateScope
from app.core.errors import Forbidden, NotFound
from app.core.policy import is_system
from app.extensions import db

log = logging.getLogger(__name__)

DOMAIN = "commerce"  # the payment purpose domain
MANDATE_SCOPE = MandateScope.COMMERCE  # a family member ordering for an elder
ACCEPT_WITHIN = timedelta(minutes=15)  # a paid order not accepted by then is declined and refunded
MAX_QUANTITY = 99
MAX_MEMBERS = 50  # people working for one merchant (their list is whole, never paged)
MAX_NEARBY = 50


def member_ids(merchant_id: uuid.UUID, *roles: str) -> list[uuid.UUID]:
    """The people working for a merchant (in ``roles`` when given), for notices."""
    stmt = db.select(MerchantMember.person_id).where(MerchantMember.merchant_id == merchant_id)
    if roles:
        stmt = stmt.where(MerchantMember.role.in_(roles))
    return list(db.session.scalars(stmt.order_by(MerchantMember.person_id)))


def role_in(actor: Actor, merchant_id: uuid.UUID) -> str | None:
    """The actor's role at the merchant (owner or staff), None when they do not work there."""
    if actor.kind is not ActorKind.PERSON or actor.person_id is None:
        return None
    return db.session.scalar(
        db.select(MerchantMember.role).where(
            MerchantMember.merchant_id == merchant_id, MerchantMember.person_id == actor.person_id
        )
    )


def merchant_for_member(actor: Actor, merchant_id: uuid.UUID, *roles: str, lock: bool = False) -> Merchant:
    """The merchant, for someone working there (404 for anyone else; 403 for a member without ``roles``)."""
    merchant = db.session.get(Merchant, merchant_id, with_for_update=lock or None, populate_existing=lock)
    if merchant is None:
        raise NotFound()
    if is_system(actor):
        return merchant
    role = role_in(actor, merchant_id)
    if role is None:
        raise NotFound()
    if roles and role not in roles:
        raise Forbidden(gettext("Only the merchant's owner can do this."))
    return merchant


OWNER = MemberRole.OWNER
