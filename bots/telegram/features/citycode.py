"""The city code (一码通): a fresh QR to show at a gate, with when it stops working."""

from __future__ import annotations

from flask_babel import format_time, gettext

from app.identity import services as identity
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import Reply


def show_code(turn: Turn, _arguments: str) -> Reply:
    """``/code``: a new city code as a QR image; it works for about a minute."""
    issued = identity.my_city_code(turn.resident)
    caption = gettext(
        "Your city code. Show it at the gate or counter; it works until %(time)s. "
        "Press Refresh for a new one.",
        time=format_time(issued.expires_at, "medium"),
    )
    return Reply(caption, [[(gettext("Refresh"), "code:")]], photo=issued.png)


FEATURE = Feature(
    name="citycode",
    domain="identity",
    commands={"code": show_code},
    buttons={"code": show_code},
    help=lambda: gettext("/code my city code"),
    menu=(lambda: gettext("City code"), "code:"),
)
