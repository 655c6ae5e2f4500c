"""The city code (一码通): a fresh QR to show at a gate, with when it stops working."""

from __future__ import annotations

from flask_babel import format_time, gettext

from app.identity import services as identity
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import Reply


def show_code(turn: Turn, _arguments: str) -> Reply:
    """``/code``: a new city code as a QR image; it works for about a minute."""
    issued = identity.my_city_code(turn.resident, images=frozenset({"png"}))  # sent as a photo
    caption = gettext(
        "Your city code. Show it at the gate or counter; it works until %(time)s. "
        "Press Refresh for a new one.",
        time=format_time(issued.expires_at, "medium"),
    )
    return Reply(caption, [[(gettext("Refresh"), "code:")]], photo=issued.png)


def ask_lost_phone(turn: Turn, _arguments: str) -> Reply:
    """``/lostphone``: say what it does, and ask once more."""
    turn.person  # noqa: B018
    text = gettext(
        "Lost your phone? Every city code shown until now stops working at once, and the app is signed "
        "out everywhere. You can sign in again on your new phone."
    )
    return Reply(text, [[(gettext("Yes, stop my codes"), "lost:yes")], [(gettext("Cancel"), "lost:no")]])


def report_lost_phone(turn: Turn, answer: str) -> Reply:
    """The confirmation: the person's codes are refused from now on and their sign-ins end."""
    if answer != "yes":
        return Reply(gettext("Cancelled. Nothing was changed."))
    _moment, ended = identity.report_lost_phone(turn.person)
    return Reply(
        gettext(
            "Done: no city code issued before now will be accepted, and %(count)s sign-ins were ended. "
            "Send /code for a new one.",
            count=ended,
        )
    )


FEATURE = Feature(
    name="citycode",
    domain="identity",
    commands={"code": show_code, "lostphone": ask_lost_phone},
    buttons={"code": show_code, "lost": report_lost_phone},
    help=lambda: gettext("/code my city code · /lostphone stop my codes if my phone is lost"),
    menu=(lambda: gettext("City code"), "code:"),
)
