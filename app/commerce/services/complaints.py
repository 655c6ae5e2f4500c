"""A resident's complaint about a merchant goes to 12345 with the order attached (市场监管 handles it).

The complaint is filed in category 0603 (商家消费投诉), at the merchant's address, so the city's
routing rules send it to market supervision; the attachment names the order (``commerce_order:<id>``)
and carries what the handling department needs: the merchant's names and credit code, the item, the
amount, when it was paid and how it ended. One complaint per order: asking again returns it. Every
member of the merchant hears of it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.commerce import notices
from app.commerce.errors import OrderStateConflict
from app.commerce.models import Order
from app.commerce.services._shared import MANDATE_SCOPE, member_ids
from app.complaints import services as complaints
from app.core import access
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.calendar import SHANGHAI
from app.core.i18n import in_every_locale
from app.core.views import WithFacts, with_facts
from app.extensions import db

COMPLAINT_CATEGORY = "0603"  # 12345 category 商家消费投诉, routed to market supervision


def complain_about_order(
    actor: Actor, order_id: uuid.UUID, description: str, *, identity_visible: bool = True
) -> WithFacts:
    """Complain to 12345 about my paid order's merchant, the order attached; again: the same complaint."""
    order = access.load_private(
        actor, Order, order_id, scope=MANDATE_SCOPE, lock=True, action=AuditAction.CHANGE,
        resource="commerce_order",
    )  # fmt: skip
    if order.complaint_id is not None:
        return _filed(order, complaints.resident_complaint(actor, order.complaint_id))
    if order.paid_at is None:
        raise OrderStateConflict(gettext("Only an order that was paid can be taken to 12345."))
    merchant = order.merchant
    complaint = complaints.submit_complaint(
        actor,
        complaints.Intake(
            category_code=COMPLAINT_CATEGORY,
            description=description.strip(),
            address=merchant.address,
            point=merchant.point,
            contact_allowed=True,
            identity_visible=identity_visible,
            attachment=_attachment(order),
        ),
    )
    order.complaint_id, order.complaint_tracking_number = complaint.id, complaint.tracking_number
    db.session.flush()
    notices.order_complained(order, member_ids(order.merchant_id))
    return _filed(order, complaint)


def _filed(order: Order, complaint) -> WithFacts:
    return with_facts(complaint, order_id=order.id, merchant_id=order.merchant_id)


def _attachment(order: Order) -> complaints.Attachment:
    """The order as the handling department reads it, in its language."""
    merchant = order.merchant

    def local(moment: datetime | None) -> str:
        return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""

    facts = [
        (in_every_locale(_l("Merchant")), merchant.name),
        (in_every_locale(_l("Name on the business licence")), merchant.licence_name),
        (in_every_locale(_l("Unified social credit code")), merchant.credit_code),
        (in_every_locale(_l("Merchant address")), merchant.address),
        (in_every_locale(_l("Order")), str(order.id)),
        (in_every_locale(_l("Item")), f"{order.quantity} × {order.title}"),
        (in_every_locale(_l("Amount")), order.amount.format()),
        (in_every_locale(_l("Paid at")), local(order.paid_at)),
        (in_every_locale(_l("Order status")), in_every_locale(lambda: order.status_label)),
    ]
    if order.refunded_fen:
        facts.append((in_every_locale(_l("Refunded")), order.refunded.format()))
    if order.end_reason:
        facts.append((in_every_locale(_l("How it ended")), order.end_reason))
    title = in_every_locale(
        lambda: gettext("Complaint about a merchant: %(merchant)s", merchant=merchant.name)
    )
    return complaints.Attachment(
        kind="commerce_order", title=title, facts=facts, reference=f"commerce_order:{order.id}"
    )
