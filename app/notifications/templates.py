"""Notification templates: a translated title and body per template, rendered in the recipient's locale.

Domains register their topic and their own templates with ``register_topic`` and
``register_template`` (through ``services``) in their ``notices.py``, with ``_l(...)`` strings so
Babel extracts them. A template may carry a ``Button`` that the Telegram channel sends with the
message as inline buttons (rows of them; each label translated, each callback data filled from the
parameters); other channels send only the title and body. Parameters are plain strings and numbers, or
``Money``, ``datetime``, ``date`` and ``Localized`` values, which are stored as tagged JSON and
formatted for the recipient (``¥12.50``, ``2026年6月1日``, ``Jun 1, 2026``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time, get_datetime_format
from flask import current_app
from flask_babel import force_locale, gettext

from app.core.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES
from app.core.money import Money

URGENCIES = ("normal", "urgent")
MAX_CALLBACK_BYTES = 64  # what Telegram accepts as a button's callback data
_PLACEHOLDER = re.compile(r"%\((\w+)\)")


@dataclass(frozen=True)
class Button:
    """An inline button a notice carries in Telegram: its label (``_l``) and callback data.

    ``data`` names parameters as the texts do (``"sosack:%(alert_id)s:%(minutes)s"``), filled with
    their stored values and ``fixed`` (plain values the button itself brings, for its label and data
    alike: one of several choices); the bot answers the press like any button of its own.
    """

    label: object
    data: str
    fixed: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Template:
    """A notification's title and body (msgids marked with ``_l``) and the topic it belongs to."""

    name: str
    topic: str
    title: object
    body: object
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of inline buttons in Telegram

    @property
    def placeholders(self) -> set[str]:
        """The parameters the title, body and buttons need (not what a button brings itself)."""
        needed = set(_PLACEHOLDER.findall(_msgid(self.title) + _msgid(self.body)))
        for button in (button for row in self.buttons for button in row):
            needed |= set(_PLACEHOLDER.findall(_msgid(button.label) + button.data)) - set(button.fixed)
        return needed


@dataclass(frozen=True)
class Rendered:
    """A template rendered for one recipient (``buttons``: rows of (label, callback data))."""

    title: str
    body: str
    locale: str
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()


@dataclass(frozen=True)
class Localized:
    """A parameter the caller has in several languages (a department's or a biller's name)."""

    texts: dict[str, str]

    def pick(self, locale: str) -> str:
        """The text in ``locale``, else Simplified Chinese, else any."""
        for candidate in (locale, DEFAULT_LOCALE, "en"):
            if self.texts.get(candidate):
                return self.texts[candidate]
        return next(iter(self.texts.values()), "")


@dataclass(frozen=True)
class Topic:
    """What a person chooses channels for: one per domain that notifies (bills, complaints, ...)."""

    name: str
    label: object  # _l(...)
    default_channels: tuple[str, ...]


TOPICS: dict[str, Topic] = {}
TEMPLATES: dict[str, Template] = {}


def register_topic(name: str, *, label, default_channels: tuple[str, ...]) -> Topic:
    """A domain's notification topic, with the channels a person gets until they choose (inbox always)."""
    topic = Topic(name, label, tuple(dict.fromkeys(("inbox", *default_channels))))
    if name in TOPICS and TOPICS[name] != topic:
        raise ValueError(f"topic {name!r} is already registered")
    TOPICS[name] = topic
    return topic


def register_template(name: str, *, topic: str, title, body, buttons=()) -> Template:
    """Add a template (title and body wrapped in ``_l``); registering the same name twice is an error.

    Each domain registers its own, in its ``notices.py``, under its own topic; ``buttons`` (rows of
    ``Button``) are sent with it in Telegram.
    """
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}: register it first")
    template = Template(name, topic, title, body, tuple(tuple(row) for row in buttons))
    if name in TEMPLATES and TEMPLATES[name] != template:
        raise ValueError(f"template {name!r} is already registered")
    TEMPLATES[name] = template
    return TEMPLATES[name]


def get_template(name: str) -> Template:
    """The registered template called ``name``."""
    try:
        return TEMPLATES[name]
    except KeyError:
        raise ValueError(f"unknown notification template {name!r}") from None


def encode_params(template: Template, params: dict) -> dict:
    """Check the parameters the template needs and turn them into JSON for the outbox."""
    missing = template.placeholders - set(params)
    if missing:
        raise ValueError(f"template {template.name!r} needs parameters: {', '.join(sorted(missing))}")
    return {str(key): _encode(value) for key, value in params.items()}


def _encode(value):
    if isinstance(value, Money):
        return {"$money": [value.fen, value.currency]}
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetime parameters must be timezone-aware")
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Localized):
        return {"$text": dict(value.texts)}
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    raise TypeError(f"notification parameters are text, numbers, Money, dates or Localized, not {value!r}")


def render(name: str, params: dict, locale: str | None) -> Rendered:
    """The template in the recipient's locale (inside an app context), parameters formatted for it."""
    template = get_template(name)
    chosen = locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE
    with force_locale(chosen):
        values = {key: _format(value, chosen) for key, value in params.items()}
        return Rendered(
            title=gettext(_msgid(template.title), **values),
            body=gettext(_msgid(template.body), **values),
            locale=chosen,
            buttons=_buttons(template.buttons, params, values),
        )


def _buttons(rows, params: dict, values: dict) -> tuple:
    """Each row's buttons rendered; a button Telegram cannot take is left off, and so is an empty row."""
    rendered = (tuple(filter(None, (_button(button, params, values) for button in row))) for row in rows)
    return tuple(row for row in rendered if row)


def _button(button: Button, params: dict, values: dict) -> tuple[str, str] | None:
    """The button's label in the recipient's language and its data; None if Telegram cannot take it."""
    plain = {key: value for key, value in params.items() if isinstance(value, str | int)}
    data = button.data % {**plain, **button.fixed}
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    return gettext(_msgid(button.label), **{**values, **button.fixed}), data


def warm_up() -> None:
    """Load every catalog and the locale data rendering needs, so each delivery does not (workers)."""
    samples = [
        _encode(Money(100)),
        _encode(date(2026, 1, 1)),
        _encode(datetime(2026, 1, 1, tzinfo=_timezone())),
    ]
    for locale in SUPPORTED_LOCALES:
        for template in TEMPLATES.values():
            render(template.name, dict.fromkeys(template.placeholders, ""), locale)
        for sample in samples:
            _format(sample, locale)


def _format(value, locale: str):
    if not isinstance(value, dict) or len(value) != 1:
        return value
    ((tag, data),) = value.items()
    if tag == "$money":
        return Money(int(data[0]), data[1]).format(_babel_locale(locale))
    if tag == "$datetime":
        moment = datetime.fromisoformat(data).astimezone(_timezone())
        day = format_skeleton("yMMMd", moment, locale=_babel_locale(locale))
        hour = format_time(moment, "short", tzinfo=_timezone(), locale=_babel_locale(locale))
        return get_datetime_format("medium", locale=_babel_locale(locale)).format(hour, day)
    if tag == "$date":
        return format_skeleton("yMMMd", date.fromisoformat(data), locale=_babel_locale(locale))
    if tag == "$text":
        return Localized(data).pick(locale)
    return value


def _babel_locale(locale: str) -> str:
    return {"zh_Hans": "zh_Hans_CN", "zh_Hant": "zh_Hant_TW"}.get(locale, locale)


def _timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BUSINESS_TIMEZONE"])


def _msgid(text) -> str:
    """The untranslated message id behind an ``_l(...)`` string."""
    args = getattr(text, "_args", None)
    return args[0] if args else str(text)
