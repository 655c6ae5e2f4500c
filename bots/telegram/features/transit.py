"""Transit (乘车码): my trips and fares this month, paying fares a daily charge left unpaid, the ride code.

The ride code is the city code itself (the gates verify it for transit), so its button opens ``/code``.
"""

from __future__ import annotations

import secrets

from flask_babel import format_datetime, gettext

from app.core import idempotency
from app.core.calendar import business_date
from app.core.money import Money
from app.transit import services as transit
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import Reply, money, one_per_row

MONTH_PAGES = 5  # at most 5 × 50 trips read for a month's summary
PAGE = 50
LISTED = 10
KEY_PREFIX = "telegram-fares-"  # the bot's idempotency keys, one per confirmation shown


def _state(trip) -> str:
    names = {
        "pending": gettext("to be charged tonight"),
        "charging": gettext("being charged"),
        "paid": gettext("paid"),
        "unpaid": gettext("unpaid"),
        "free": gettext("free"),
    }
    return names.get(trip.payment_state, trip.payment_state)


def _route(trip) -> str:
    stations = [s.name for s in (trip.entry_station, trip.exit_station) if s is not None]
    return f"{trip.line.name} " + "→".join(stations) if stations else trip.line.name


def _this_month(turn: Turn) -> list:
    """The rider's trips of this business month, newest first (a few pages at most)."""
    first = business_date().replace(day=1)
    trips, cursor = [], None
    for _ in range(MONTH_PAGES):
        page = transit.list_trips(turn.resident, cursor=cursor, limit=PAGE)
        trips += [trip for trip in page.items if trip.business_date >= first]
        cursor = page.next_cursor
        if cursor is None or (page.items and page.items[-1].business_date < first):
            break
    return trips


def my_trips(turn: Turn, _arguments: str) -> Reply:
    """``/trips``: this month's trips and fares; unpaid fares can be paid; the ride code."""
    trips = _this_month(turn)
    ride_code = (gettext("Ride code"), "code:")
    if not trips:
        return Reply(gettext("No trips this month."), [[ride_code]])
    total = Money(sum(trip.fare_fen for trip in trips))
    unpaid = [trip for trip in trips if trip.payment_state == "unpaid"]
    lines = [
        gettext("This month: %(count)s trips, %(amount)s in fares.", count=len(trips), amount=money(total))
    ]
    lines += [
        f"{format_datetime(trip.started_at, 'short')} · {_route(trip)} · {money(trip.fare)} · {_state(trip)}"
        for trip in trips[:LISTED]
    ]
    buttons = [ride_code]
    if unpaid:
        owed = Money(sum(trip.fare_fen for trip in unpaid))
        lines.append(gettext("Unpaid: %(amount)s (a daily charge failed).", amount=money(owed)))
        buttons.insert(0, (gettext("Pay %(amount)s", amount=money(owed)), "fares:"))
    return Reply("\n".join(lines), one_per_row(buttons))


def confirm_payment(turn: Turn, _argument: str) -> Reply:
    """The Pay button: what will be charged, and ask once more."""
    unpaid = [trip for trip in _this_month(turn) if trip.payment_state == "unpaid"]
    if not unpaid:
        return Reply(gettext("You owe no fares."), [[(gettext("My trips"), "trips:")]])
    owed = Money(sum(trip.fare_fen for trip in unpaid))
    text = gettext("Pay %(amount)s for %(count)s unpaid trips now?", amount=money(owed), count=len(unpaid))
    key = secrets.token_hex(6)
    return Reply(text, [[(gettext("Confirm payment"), "faresok:" + key)], [(gettext("Cancel"), "trips:")]])


def pay(turn: Turn, key: str) -> Reply:
    """The Confirm button: one charge of every unpaid fare, however often it is pressed."""
    actor = turn.resident

    def start_payment() -> dict:
        intent = transit.pay_unpaid(actor, KEY_PREFIX + key)
        return {"payment_id": str(intent.id), "amount_fen": intent.amount_fen, "currency": intent.currency}

    started = idempotency.run_once(actor, KEY_PREFIX + key, {"fares": "unpaid"}, start_payment)
    text = gettext(
        "Payment of %(amount)s started. I will tell you here when it is done; /trips shows where it stands.",
        amount=money(Money(started["amount_fen"], started["currency"])),
    )
    return Reply(text, [[(gettext("My trips"), "trips:")]])


FEATURE = Feature(
    name="transit",
    domain="transit",
    commands={"trips": my_trips},
    buttons={"trips": my_trips, "fares": confirm_payment, "faresok": pay},
    help=lambda: gettext("/trips my bus and metro trips and fares this month · /code the ride code"),
    menu=(lambda: gettext("Bus and metro"), "trips:"),
    opens={"transit": "trips:"},
)
