"""Community services (社区商业): what verified merchants offer near a shared location; order; my orders.

An order is a short conversation: a listing of the merchant's page → how many → pick up or
delivery (and where to) → the order exactly as it will be placed → **Confirm order**, whose button
carries what is ordered and a fresh key: the order and its payment are opened under
``idempotency.run_once`` with that key, as the API's ``Idempotency-Key``, so a second press gets
the first answer and never a second order. An order is cancelled after one more question that says
what comes back (commerce's ``refund_on_cancel``); commerce's own rules decide whether it still can
be (``cancel_refusal``, the refusal ``cancel_order`` raises), and refund it.
"""

from __future__ import annotations

import secrets

from flask_babel import format_datetime, gettext

from app.commerce import services as commerce
from app.core import idempotency
from app.core.errors import NotFound
from app.core.money import Money
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import (
    Incoming,
    Reply,
    asking_for_location,
    location_wanted,
    money,
    one_per_row,
    uuid_of,
)

FLOW = "commerce"
RADIUS_M = 2000
SHOWN = 8
PAGE = 8
QUANTITIES = (1, 2, 3, 5)
KEY_PREFIX = "telegram-order-"  # the bot's idempotency keys, one per confirmation shown
WAYS = {"p": "pickup", "d": "delivery"}  # how the confirm button names the fulfilment


def ask_location(turn: Turn, _argument: str) -> Reply:
    """``/nearby``: ask for the place to search around."""
    turn.resident  # noqa: B018
    turn.begin(FLOW, "near")
    return asking_for_location(
        gettext("Share your location and I will list the community services around it.")
    )


def nearby(turn: Turn, incoming: Incoming) -> Reply:
    """The shared location: verified merchants' offers within reach, nearest first."""
    if incoming.point is None:
        return location_wanted()
    turn.end()
    found = commerce.search_nearby(incoming.point, radius=RADIUS_M, limit=SHOWN)
    if not found:
        return Reply(gettext("No community services within %(metres)s metres of there.", metres=RADIUS_M))
    lines, buttons, merchants = [gettext("Near you:")], [], []
    for listing in found:
        state = gettext("open") if listing.open_now else gettext("closed now")
        lines.append(
            f"• {listing.local_title} {money(listing.price)} · {listing.merchant.name} · "
            + gettext("%(metres)s m", metres=listing.distance_m)
            + f" · {state}"
        )
        if listing.merchant_id not in merchants:
            merchants.append(listing.merchant_id)
            buttons.append((listing.merchant.name, "merch:" + listing.merchant_id.hex))
    return Reply("\n".join(lines), one_per_row(buttons))


def show_merchant(turn: Turn, argument: str) -> Reply:
    """A merchant button: what it is, where, its rating, and what it offers (each offer a button)."""
    merchant = commerce.public_merchant(uuid_of(argument))
    offers = commerce.public_listings(merchant.id, cursor=None, limit=SHOWN).items
    rating = gettext("no ratings yet")
    if merchant.rating:
        rating = gettext("rated %(rating)s", rating=merchant.rating)
    lines = [
        f"{merchant.name} · {merchant.category_label} · {rating}",
        merchant.address,
        merchant.phone,
        *(f"• {item.local_title} {money(item.price)}" for item in offers),
    ]
    if offers:
        lines.append(gettext("Press an offer to order it; your orders show here with /orders."))
    turn.begin(FLOW, "shop", merchant=merchant.id.hex)
    buttons = [(f"{item.local_title} {money(item.price)}", "lst:" + item.id.hex) for item in offers]
    return Reply("\n".join(line for line in lines if line), one_per_row(buttons))


def _offer(turn: Turn, listing_hex: str | None = None):
    """The listing being ordered, as the merchant's page offers it now (404 once it is not offered)."""
    if turn.flow != FLOW or "merchant" not in turn.data:
        return None
    merchant_hex, wanted = turn.data["merchant"], uuid_of(listing_hex or turn.data.get("listing", ""))
    offers = commerce.public_listings(uuid_of(merchant_hex), cursor=None, limit=commerce.MAX_NEARBY).items
    found = next((item for item in offers if item.id == wanted), None)
    if found is None:
        raise NotFound()
    return found


def _stale() -> Reply:
    return Reply(gettext("That button is no longer in use. Send /menu to start again."), ok=False)


def show_offer(turn: Turn, argument: str) -> Reply:
    """An offer button: what it is and costs, and how many to order."""
    item = _offer(turn, argument)
    if item is None:
        return _stale()
    turn.ask("quantity", listing=item.id.hex)
    lines = [f"{item.local_title} · {money(item.price)}{' / ' + item.unit if item.unit else ''}"]
    if item.local_description:
        lines.append(item.local_description)
    if item.stock is not None:
        lines.append(gettext("%(count)s left", count=item.stock))
    lines.append(gettext("How many?"))
    counts = [(f"×{n}", f"cqty:{n}") for n in QUANTITIES if item.stock is None or n <= item.stock]
    return Reply("\n".join(lines), [counts, [(gettext("Cancel"), "merch:" + item.merchant_id.hex)]])


def pick_quantity(turn: Turn, argument: str) -> Reply:
    """How many: then how it reaches me (skipped when the merchant offers one way only)."""
    if turn.step != "quantity" or not argument.isdigit() or int(argument) not in QUANTITIES:
        return _stale()
    item = _offer(turn)
    if item is None:
        return _stale()
    turn.ask("way", quantity=int(argument))
    if len(item.fulfilment) == 1:
        return pick_way(turn, item.fulfilment[0])
    buttons = [
        [(gettext("I will pick it up"), "cway:pickup")],
        [(gettext("Deliver it to me"), "cway:delivery")],
    ]
    return Reply(gettext("Pick it up at the shop, or have it delivered?"), buttons)


def pick_way(turn: Turn, way: str) -> Reply:
    """Pick up or delivery: a delivery asks where to."""
    if turn.step != "way" or way not in WAYS.values():
        return _stale()
    turn.ask("address" if way == "delivery" else "confirm", fulfilment=way)
    if way == "delivery":
        return Reply(gettext("Where to? Send the address (building, unit and room)."))
    return _confirmation(turn)


def delivery_address(turn: Turn, incoming: Incoming) -> Reply:
    """The delivery address typed."""
    if not incoming.text:
        return Reply(gettext("Send the address, or /cancel."), ok=False)
    turn.ask("confirm", address=incoming.text[:200])
    return _confirmation(turn)


def _confirmation(turn: Turn) -> Reply:
    """The order exactly as it will be placed, and once more the question."""
    item, data = _offer(turn), turn.data
    if item is None:
        return _stale()
    quantity, way = data["quantity"], data["fulfilment"]
    total = Money(item.price_fen * quantity, item.currency)
    if way == "delivery":
        how = gettext("delivered to %(address)s", address=data.get("address", ""))
    else:
        how = gettext("to pick up at %(address)s", address=item.merchant.address)
    text = gettext(
        "Order %(quantity)s × %(title)s from %(merchant)s for %(amount)s, %(how)s?",
        quantity=quantity,
        title=item.local_title,
        merchant=item.merchant.name,
        amount=money(total),
        how=how,
    )
    code = next(short for short, name in WAYS.items() if name == way)
    confirm = (gettext("Confirm order"), f"cordok:{item.id.hex}:{quantity}{code}:{secrets.token_hex(6)}")
    return Reply(text, [[confirm], [(gettext("Cancel"), "merch:" + item.merchant_id.hex)]])


def place_order(turn: Turn, argument: str) -> Reply:
    """A Confirm order button: one order and one payment per confirmation, however often it is pressed."""
    listing_hex, _, rest = argument.partition(":")
    what, _, key = rest.partition(":")
    if not what[:-1].isdigit() or what[-1:] not in WAYS:
        return _stale()
    listing_id, quantity, way, actor = uuid_of(listing_hex), int(what[:-1]), WAYS[what[-1]], turn.resident
    gathered = turn.conversation.get("data", {}) if turn.flow == FLOW else {}
    address = gathered.get("address") if way == "delivery" else None
    asked = {"listing_id": str(listing_id), "quantity": quantity, "fulfilment": way}

    def open_order() -> dict:
        placed = commerce.place_order(
            actor, listing_id, quantity, way, KEY_PREFIX + key, delivery_address=address
        )
        return {"order_id": placed.id.hex}

    ordered = idempotency.run_once(actor, KEY_PREFIX + key, asked, open_order)
    if turn.flow == FLOW:
        turn.end()
    order = commerce.get_order(actor, uuid_of(ordered["order_id"]))
    text = gettext(
        "Ordered: %(title)s ×%(quantity)s, %(amount)s. The payment has started; I will tell you here "
        "when the merchant accepts it. /orders shows where it stands.",
        title=order.title,
        quantity=order.quantity,
        amount=money(order.amount),
    )
    return Reply(text, [[(gettext("My orders"), "orders:")]])


def _order_label(order) -> str:
    return f"{order.title} ×{order.quantity} · {money(order.amount)} · {order.status_label}"


def my_orders(turn: Turn, _arguments: str) -> Reply:
    """``/orders``: my orders, newest first, each a button."""
    page = commerce.list_orders(turn.resident, status=None, cursor=None, limit=PAGE)
    if not page.items:
        return Reply(gettext("You have no orders yet."), [[(gettext("Services nearby"), "near:")]])
    buttons = [(_order_label(order), "order:" + order.id.hex) for order in page.items]
    return Reply(gettext("Your orders:"), one_per_row(buttons))


def show_order(turn: Turn, argument: str) -> Reply:
    """An order button: where it stands; a ready order can be marked received."""
    order = commerce.get_order(turn.resident, uuid_of(argument))
    lines = [
        f"{order.merchant.name}",
        _order_label(order),
        gettext("Ordered %(when)s", when=format_datetime(order.created_at, "short")),
    ]
    if order.refunded_fen:
        lines.append(gettext("Refunded: %(amount)s", amount=money(order.refunded)))
    buttons = []
    if order.status == "ready":
        buttons.append((gettext("I have received it"), "orderok:" + order.id.hex))
    if commerce.cancel_refusal(order) is None:
        buttons.append((gettext("Cancel this order"), "ocancel:" + order.id.hex))
    buttons.append((gettext("My orders"), "orders:"))
    return Reply("\n".join(lines), one_per_row(buttons))


def ask_cancel(turn: Turn, argument: str) -> Reply:
    """A Cancel this order button: what cancelling gives back, and once more the question."""
    order = commerce.get_order(turn.resident, uuid_of(argument))
    refusal = commerce.cancel_refusal(order)
    if refusal is not None:  # accepted meanwhile, or over: commerce's reason, in words
        raise refusal
    lines = [
        gettext(
            "Cancel %(title)s ×%(quantity)s from %(merchant)s?",
            title=order.title,
            quantity=order.quantity,
            merchant=order.merchant.name,
        )
    ]
    refund = commerce.refund_on_cancel(order)
    if refund.fen:
        lines.append(gettext("You are refunded %(amount)s, all you paid.", amount=money(refund)))
    else:
        lines.append(gettext("Nothing has been charged; its payment is stopped."))
    if order.voucher_held:
        lines.append(gettext("%(amount)s goes back on the care voucher.", amount=money(order.subsidy)))
    yes, keep = (
        (gettext("Yes, cancel it"), "ocancelok:" + argument),
        (gettext("Keep it"), "order:" + argument),
    )
    return Reply("\n".join(lines), [[yes], [keep]])


def cancel(turn: Turn, argument: str) -> Reply:
    """The cancellation confirmed: commerce's rules (before the merchant accepts; refunded in full)."""
    order = commerce.cancel_order(turn.resident, uuid_of(argument))
    lines = [gettext("Cancelled: %(title)s ×%(quantity)s.", title=order.title, quantity=order.quantity)]
    if order.refunded_fen:
        lines.append(gettext("%(amount)s is on its way back to you.", amount=money(order.refunded)))
    else:
        lines.append(gettext("Nothing was charged."))
    if order.subsidy_fen:
        lines.append(gettext("%(amount)s is back on the care voucher.", amount=money(order.subsidy)))
    return Reply("\n".join(lines), [[(gettext("My orders"), "orders:")]])


def received(turn: Turn, argument: str) -> Reply:
    """I have my order: it is completed (the same rule as the app)."""
    order = commerce.confirm_received(turn.resident, uuid_of(argument))
    return Reply(
        gettext("Thank you. %(title)s is completed; you can review it in the app.", title=order.title),
        [[(gettext("My orders"), "orders:")]],
    )


FEATURE = Feature(
    name="commerce",
    domain="commerce",
    commands={"nearby": ask_location, "orders": my_orders},
    buttons={
        "near": ask_location,
        "merch": show_merchant,
        "lst": show_offer,
        "cqty": pick_quantity,
        "cway": pick_way,
        "cordok": place_order,
        "orders": my_orders,
        "order": show_order,
        "orderok": received,
        "ocancel": ask_cancel,
        "ocancelok": cancel,
    },
    steps={f"{FLOW}.near": nearby, f"{FLOW}.address": delivery_address},
    help=lambda: gettext("/nearby community services near me, and order · /orders my orders, cancel one"),
    menu=(lambda: gettext("Community services"), "near:"),
    opens={"commerce": "orders:"},
)
