"""Who may do what with a payment: named policies the payments services check.

The payer (or a proxy whose mandate covers the purpose's scope) is handled by the kernel's
``load_private``; these say who else may see or act on an intent, and they are the only place in
payments that looks at an actor's kind.
"""

from __future__ import annotations

import uuid

from flask_babel import gettext

from app.core.actors import Actor, ActorKind, MandateScope, Role
from app.core.errors import Forbidden, NotFound
from app.core.policy import acts_for, has_role, is_admin, is_client, is_system
from app.payments.models import PayeeKind, PaymentIntent

READ_SCOPE = "payments:read"
REFUND_SCOPE = "payments:refund"


def may_read_intent(actor: Actor, intent: PaymentIntent) -> bool:
    """Besides its payer: finance staff, and the payee's own client with ``payments:read``."""
    return is_admin(actor) or is_client(actor, intent.payee_id, READ_SCOPE)


def charger(actor: Actor, payer_id: uuid.UUID, scope: MandateScope) -> uuid.UUID | None:
    """Who starts a charge on ``payer_id``: the payer, a proxy within ``scope``, or the system (None)."""
    if is_system(actor):
        return None
    if actor.kind in (ActorKind.PERSON, ActorKind.PROXY) and (
        actor.person_id == payer_id or acts_for(actor, payer_id, scope)
    ):
        return actor.person_id
    raise Forbidden(gettext("You may only pay from your own account."))


def refunder(actor: Actor, intent: PaymentIntent) -> str:
    """Who asks for a refund: the system, finance staff, or the payee's client with the refund scope."""
    if is_system(actor):
        return "system"
    if is_admin(actor):
        return f"person:{actor.person_id}"
    if is_client(actor, intent.payee_id):
        if not actor.has_scope(REFUND_SCOPE):
            raise Forbidden(gettext("This needs the scope %(scope)s.", scope=REFUND_SCOPE))
        return f"client:{actor.client_id}"
    raise NotFound()


def require_settlement_reader(actor: Actor, payee_kind: str, payee_id: str) -> None:
    """Finance staff, the payee's own client with ``payments:read``, or the owner of the merchant paid."""
    if is_admin(actor) or is_client(actor, payee_id, READ_SCOPE):
        return
    if (
        payee_kind == PayeeKind.MERCHANT
        and has_role(actor, Role.MERCHANT_OWNER)
        and payee_id in {str(merchant_id) for merchant_id in actor.merchant_ids}
    ):
        return
    raise Forbidden(gettext("Only finance staff or the payee itself may read its settlement."))
