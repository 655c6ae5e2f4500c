"""The merchant: my shops, today's paid orders to accept (then to make ready), my listings, settlement by day.

Everything goes through the commerce services with the signed-in member as the actor: a shop the
person does not work for is a 404 page, exactly as in the merchant API, and every order read is in
its resident's access log (the services write it).
"""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, Response, redirect, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.commerce import services as commerce
from app.console import forms
from app.console.web import console_actor, register_nav, render_page, signed_in
from app.core.actors import Role
from app.core.errors import AppError, ValidationFailed

bp = Blueprint("merchant", __name__, url_prefix="/shop")
MEMBERS = (Role.MERCHANT_OWNER, Role.MERCHANT_STAFF)
LIST_LIMIT = 100
register_nav("console.merchant.shops", _l("My shop"), MEMBERS)

NOTICES = {
    "accepted": _l("The order was accepted; the resident was told."),
    "ready": _l("The order is ready; the resident was told."),
    "declined": _l("The order was declined and the resident refunded in full."),
}


def _notice() -> str | None:
    label = NOTICES.get(request.args.get("notice", ""))
    return str(label) if label else None


@bp.route("/")
@signed_in(*MEMBERS)
def shops():
    """The shops I work for; with one, straight to its orders."""
    mine = commerce.my_merchants(console_actor(), cursor=None, limit=LIST_LIMIT).items
    if len(mine) == 1:
        return redirect(url_for(".orders", merchant_id=mine[0].id))
    return render_page("console/merchant/shops.html", shops=mine)


def _orders_page(merchant_id: uuid.UUID, *, error: AppError | None = None):
    actor = console_actor()
    shop = commerce.get_merchant_as_member(actor, merchant_id)  # 404 for a shop I do not work for
    to_accept = commerce.merchant_orders(actor, merchant_id, status="paid", cursor=None, limit=LIST_LIMIT)
    preparing = commerce.merchant_orders(actor, merchant_id, status="accepted", cursor=None, limit=LIST_LIMIT)
    return render_page(
        "console/merchant/orders.html",
        error=error,
        shop=shop,
        to_accept=sorted(to_accept.items, key=lambda o: o.accept_by),
        preparing=sorted(preparing.items, key=lambda o: o.accepted_at),
        notice=_notice(),
    )


@bp.route("/<uuid:merchant_id>/")
@signed_in(*MEMBERS)
def orders(merchant_id: uuid.UUID):
    """Paid orders waiting to be accepted (each until its accept-by time), and those being prepared."""
    return _orders_page(merchant_id)


def _order_step(merchant_id: uuid.UUID, notice: str, step):
    try:
        step(console_actor())
    except AppError as error:
        return _orders_page(merchant_id, error=error)
    return redirect(url_for(".orders", merchant_id=merchant_id, notice=notice), code=303)


@bp.route("/<uuid:merchant_id>/orders/<uuid:order_id>/accept", methods=["POST"])
@signed_in(*MEMBERS)
def accept(merchant_id: uuid.UUID, order_id: uuid.UUID):
    """Accept a paid order."""
    return _order_step(merchant_id, "accepted", lambda a: commerce.accept_order(a, merchant_id, order_id))


@bp.route("/<uuid:merchant_id>/orders/<uuid:order_id>/ready", methods=["POST"])
@signed_in(*MEMBERS)
def ready(merchant_id: uuid.UUID, order_id: uuid.UUID):
    """The order is ready for pick-up, or out for delivery."""
    return _order_step(merchant_id, "ready", lambda a: commerce.mark_ready(a, merchant_id, order_id))


@bp.route("/<uuid:merchant_id>/orders/<uuid:order_id>/decline", methods=["POST"])
@signed_in(*MEMBERS)
def decline(merchant_id: uuid.UUID, order_id: uuid.UUID):
    """Decline a paid order with the reason; the resident is refunded in full."""
    return _order_step(
        merchant_id,
        "declined",
        lambda a: commerce.decline_order(a, merchant_id, order_id, forms.text("reason", max_length=200)),
    )


@bp.route("/<uuid:merchant_id>/listings")
@signed_in(*MEMBERS)
def listings(merchant_id: uuid.UUID):
    """Every listing of the shop, offered or not."""
    actor = console_actor()
    shop = commerce.get_merchant_as_member(actor, merchant_id)
    page = commerce.merchant_listings(actor, merchant_id, cursor=None, limit=LIST_LIMIT)
    more = page.next_cursor is not None
    return render_page("console/merchant/listings.html", shop=shop, listings=page.items, more=more)


def _period() -> tuple[date | None, date | None]:
    start, end = request.args.get("start") or None, request.args.get("end") or None
    if start is None and end is None:
        return None, None
    try:
        return date.fromisoformat(start or ""), date.fromisoformat(end or "")
    except ValueError:
        raise ValidationFailed({"end": [gettext("Not a valid date.")]}) from None


@bp.route("/<uuid:merchant_id>/settlement")
@signed_in(*MEMBERS)
def settlement_page(merchant_id: uuid.UUID):
    """Paid orders, refunds and the net per business day (the shop's owners)."""
    actor = console_actor()
    shop = commerce.get_merchant_as_member(actor, merchant_id)
    start, end = _period()
    figures = commerce.settlement_by_day(actor, merchant_id, start, end)
    return render_page("console/merchant/settlement.html", shop=shop, figures=figures)


@bp.route("/<uuid:merchant_id>/settlement.csv")
@signed_in(*MEMBERS)
def settlement_csv(merchant_id: uuid.UUID):
    """The settlement by day as a CSV file."""
    start, end = _period()
    figures = commerce.settlement_by_day(console_actor(), merchant_id, start, end)
    filename = f"settlement-{figures.start.isoformat()}-{figures.end.isoformat()}.csv"
    return Response(
        commerce.settlement_csv(figures),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
