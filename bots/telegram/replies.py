"""What the bot sends back: text with inline buttons, or a picture or a document with a caption."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask_babel import gettext

from app.core.geo import Point
from app.core.i18n import current_locale
from app.core.money import Money

Buttons = list[list[tuple[str, str]]]  # rows of (label, callback data)


@dataclass
class Reply:
    """One message to send: text (a caption when there is a photo or document) and its buttons."""

    text: str
    buttons: Buttons = field(default_factory=list)
    photo: bytes | None = None
    document: tuple[str, bytes] | None = None  # (file name, content)
    ask_location: str | None = None  # label of a "share my location" keyboard button
    ok: bool = True


@dataclass(frozen=True)
class Incoming:
    """What the resident wrote: text, a shared location (WGS84) or a photo (its bytes)."""

    text: str = ""
    point: Point | None = None
    photo: bytes | None = None


def asking_for_location(text: str, *, ok: bool = True) -> Reply:
    """A question answered by sharing a location, with the keyboard button that shares it."""
    return Reply(text, ask_location=gettext("Share my location"), ok=ok)


def location_wanted() -> Reply:
    """The answer to anything but a shared location where one was asked for."""
    return asking_for_location(
        gettext("Share your location (the paper clip, then Location), or /cancel."), ok=False
    )


def one_per_row(buttons: list[tuple[str, str]]) -> Buttons:
    """Buttons stacked, one to a row (how lists of choices read best on a phone)."""
    return [[button] for button in buttons]


_BABEL_LOCALES = {"zh_Hans": "zh_Hans_CN", "zh_Hant": "zh_Hant_TW", "en": "en_US"}


def money(amount: Money) -> str:
    """An amount as the reader writes it (``¥88.00``, ``CN¥88.00``)."""
    return amount.format(_BABEL_LOCALES.get(current_locale(), "zh_Hans_CN"))


def uuid_of(argument: str) -> uuid.UUID:
    """The id a button carries (32 hex digits); a mangled one names nothing (404 from the service)."""
    try:
        return uuid.UUID(hex=argument)
    except ValueError:
        return uuid.UUID(int=0)
