"""Community services (社区商业): what verified merchants offer near a shared location; my orders."""

from __future__ import annotations

from flask_babel import format_datetime, gettext

from app.commerce import services as commerce
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import Incoming, Reply, money, one_per_row, uuid_of

FLOW = "commerce"
RADIUS_M = 2000
SHOWN = 8
PAGE = 8


def ask_location(turn: Turn, _argument: str) -> Reply:
    """``/nearby``: ask for the place to search around."""
    turn.resident  # noqa: B018
    turn.begin(FLOW, "near")
    return Reply(
        gettext("Share your location and I will list the community services around it."),
        ask_location=gettext("Share my location"),
    )


def nearby(turn: Turn, incoming: Incoming) -> Reply:
    """The shared location: verified merchants' offers within reach, nearest first."""
    if incoming.point is None:
        return Reply(
            gettext("Share your location (the paper clip, then Location), or /cancel."),
            ask_location=gettext("Share my location"),
            ok=False,
        )
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
    """A merchant button: what it is, where, its rating, and what it offers."""
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
        gettext("Order in the app; your orders show here with /orders."),
    ]
    return Reply("\n".join(line for line in lines if line))


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
    buttons.append((gettext("My orders"), "orders:"))
    return Reply("\n".join(lines), one_per_row(buttons))


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
        "orders": my_orders,
        "order": show_order,
        "orderok": received,
    },
    steps={f"{FLOW}.near": nearby},
    help=lambda: gettext("/nearby community services near me · /orders my orders"),
    menu=(lambda: gettext("Community services"), "near:"),
    opens={"commerce": "orders:"},
)
