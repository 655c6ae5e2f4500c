"""Notification templates: a translated title and body per template, rendered in the recipient's locale.

Domains register their own templates with ``register_template`` (through ``services``) at import
time of their services module, with ``_l(...)`` strings so Babel extracts them. Parameters are
plain strings and numbers, or ``Money``, ``datetime``, ``date`` and ``Localized`` values, which are
stored as tagged JSON and formatted for the recipient (``¥12.50``, ``2026年6月1日``, ``Jun 1, 2026``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time, get_datetime_format
from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from app.core.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES
from app.core.money import Money

TOPICS = ("bills", "complaints", "appointments", "parking", "commerce", "eldercare", "account")
URGENCIES = ("normal", "urgent")
_PLACEHOLDER = re.compile(r"%\((\w+)\)")


@dataclass(frozen=True)
class Template:
    """A notification's title and body (msgids marked with ``_l``) and the topic it belongs to."""

    name: str
    topic: str | None  # None: a generic template the caller files under any topic
    title: object
    body: object

    @property
    def placeholders(self) -> set[str]:
        """The parameters the title and body need."""
        return set(_PLACEHOLDER.findall(_msgid(self.title) + _msgid(self.body)))


@dataclass(frozen=True)
class Rendered:
    """A template rendered for one recipient."""

    title: str
    body: str
    locale: str


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


TEMPLATES: dict[str, Template] = {}


def register_template(name: str, *, topic: str | None, title, body) -> Template:
    """Add a template (title and body wrapped in ``_l``); registering the same name twice is an error."""
    if topic is not None and topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}")
    if name in TEMPLATES and TEMPLATES[name] != Template(name, topic, title, body):
        raise ValueError(f"template {name!r} is already registered")
    TEMPLATES[name] = Template(name, topic, title, body)
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
        )


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


# ---------------------------------------------------------------- the templates every domain shares

register_template(
    "welcome",
    topic="account",
    title=_l("Welcome to Yimatong"),
    body=_l(
        "Hello %(name)s, your city account is ready: your city code, bills and public services "
        "are now in one place."
    ),
)
register_template(
    "telegram_linked",
    topic="account",
    title=_l("Telegram linked"),
    body=_l(
        "This Telegram account now receives your Yimatong notifications. "
        "If this was not you, unlink it in the app."
    ),
)
register_template(
    "payment_succeeded",
    topic=None,
    title=_l("Payment received"),
    body=_l("We received your payment of %(amount)s for %(item)s."),
)
register_template(
    "payment_refunded",
    topic=None,
    title=_l("Refund issued"),
    body=_l("A refund of %(amount)s for %(item)s is on its way back to you."),
)
register_template(
    "bill_issued",
    topic="bills",
    title=_l("New bill"),
    body=_l("Your %(biller)s bill for %(period)s is %(amount)s, due %(due_date)s."),
)
register_template(
    "bill_due",
    topic="bills",
    title=_l("Bill due soon"),
    body=_l("Your %(biller)s bill of %(amount)s is due %(due_date)s."),
)
register_template(
    "bill_overdue",
    topic="bills",
    title=_l("Bill overdue"),
    body=_l("Your %(biller)s bill of %(amount)s was due %(due_date)s. Please pay it soon."),
)
register_template(
    "autopay_failed",
    topic="bills",
    title=_l("Autopay failed"),
    body=_l(
        "We could not pay your %(biller)s bill of %(amount)s automatically. Please pay it by %(due_date)s."
    ),
)
register_template(
    "complaint_received",
    topic="complaints",
    title=_l("Report received"),
    body=_l("Your report %(reference)s was received. You will be told at every step."),
)
register_template(
    "complaint_dispatched",
    topic="complaints",
    title=_l("Report dispatched"),
    body=_l("Your report %(reference)s was passed to %(department)s."),
)
register_template(
    "complaint_resolved",
    topic="complaints",
    title=_l("Report resolved"),
    body=_l("Your report %(reference)s was resolved. Please rate how it was handled."),
)
register_template(
    "complaint_reopened",
    topic="complaints",
    title=_l("Report reopened"),
    body=_l("Your report %(reference)s was reopened for rework; a new reply is due by %(deadline)s."),
)
register_template(
    "complaint_closed",
    topic="complaints",
    title=_l("Report closed"),
    body=_l("Your report %(reference)s is closed. Thank you."),
)
register_template(
    "complaint_merged",
    topic="complaints",
    title=_l("Report merged"),
    body=_l(
        "Your report %(reference)s is handled together with %(original)s; you will be told of its progress."
    ),
)
register_template(
    "complaint_new_work",
    topic="complaints",
    title=_l("New report for your department"),
    body=_l("Report %(reference)s (%(category)s) is yours; the reply is due by %(deadline)s."),
)
register_template(
    "complaint_deadline_near",
    topic="complaints",
    title=_l("Reply due soon"),
    body=_l("The reply to report %(reference)s is due by %(deadline)s."),
)
register_template(
    "complaint_escalated",
    topic="complaints",
    title=_l("Report escalated"),
    body=_l("Report %(reference)s passed its deadline of %(deadline)s and was escalated to you."),
)
register_template(
    "appointment_booked",
    topic="appointments",
    title=_l("Appointment confirmed"),
    body=_l("%(service)s at %(provider)s, %(time)s. Please bring your ID card."),
)
register_template(
    "appointment_reminder",
    topic="appointments",
    title=_l("Appointment reminder"),
    body=_l("Reminder: %(service)s at %(provider)s, %(time)s."),
)
register_template(
    "appointment_cancelled",
    topic="appointments",
    title=_l("Appointment cancelled"),
    body=_l("Your appointment for %(service)s at %(provider)s on %(time)s was cancelled."),
)
register_template(
    "waitlist_slot_available",
    topic="appointments",
    title=_l("A slot is free"),
    body=_l("A slot for %(service)s at %(provider)s is free on %(time)s. Book it before %(expires)s."),
)
register_template(
    "parking_fee_charged",
    topic="parking",
    title=_l("Parking paid"),
    body=_l("%(plate)s left %(lot)s; %(amount)s was paid automatically."),
)
register_template(
    "parking_payment_failed",
    topic="parking",
    title=_l("Parking fee unpaid"),
    body=_l(
        "The parking fee of %(amount)s for %(plate)s at %(lot)s could not be charged. "
        "Please pay it in the app."
    ),
)
register_template(
    "order_confirmed",
    topic="commerce",
    title=_l("Order confirmed"),
    body=_l("%(merchant)s accepted your order %(reference)s."),
)
register_template(
    "order_ready",
    topic="commerce",
    title=_l("Order ready"),
    body=_l("Your order %(reference)s from %(merchant)s is ready."),
)
register_template(
    "order_cancelled",
    topic="commerce",
    title=_l("Order cancelled"),
    body=_l("Your order %(reference)s from %(merchant)s was cancelled."),
)
register_template(
    "eldercare_sos",
    topic="eldercare",
    title=_l("SOS from %(elder)s"),
    body=_l(
        "%(elder)s asked for help at %(time)s near %(location)s. Call them now; if nobody answers, call 120."
    ),
)
register_template(
    "eldercare_checkin_missed",
    topic="eldercare",
    title=_l("Missed check-in"),
    body=_l("%(elder)s has not checked in today. Please call to make sure they are well."),
)
register_template(
    "guardian_invited",
    topic="eldercare",
    title=_l("Guardian request"),
    body=_l("%(elder)s asked you to be their guardian. Open the app to accept."),
)
