"""What identity tells people: welcome, a linked chat, a mandate registered for them (outbox, once each)."""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import lazy_gettext as _l

from app.notifications import services as notifications

TOPIC = "account"

notifications.register_topic(TOPIC, label=_l("Account and security"), default_channels=("sms", "telegram"))
notifications.register_template(
    "welcome",
    topic=TOPIC,
    title=_l("Welcome to Yimatong"),
    body=_l(
        "Hello %(name)s, your city account is ready: your city code, bills and public services "
        "are now in one place."
    ),
)
notifications.register_template(
    "telegram_linked",
    topic=TOPIC,
    title=_l("Telegram linked"),
    body=_l(
        "This Telegram account now receives your Yimatong notifications. "
        "If this was not you, unlink it in the app."
    ),
)
notifications.register_template(
    "mandate_registered",
    topic=TOPIC,
    title=_l("Someone may now act for you"),
    body=_l(
        "A community worker registered that %(grantee)s may act for you (%(scopes)s) until %(until)s. "
        "If you did not agree, call 12345."
    ),
)


def welcome(person_id: uuid.UUID, name: str) -> None:
    """Greet a person on their first sign-in (inbox, and SMS/Telegram by their preferences)."""
    notifications.notify(person_id, "welcome", {"name": name}, topic=TOPIC, dedupe_key=f"welcome-{person_id}")


def telegram_linked(person_id: uuid.UUID, link_id: uuid.UUID) -> None:
    """A chat was linked to the person's account (a warning if it was not them)."""
    notifications.notify(
        person_id, "telegram_linked", {}, topic=TOPIC, dedupe_key=f"telegram-linked-{link_id}"
    )


def mandate_registered(
    grantor_id: uuid.UUID, mandate_id: uuid.UUID, grantee: str, scopes: str, until: date
) -> None:
    """A community worker registered a mandate for the person: tell them who may act for them."""
    notifications.notify(
        grantor_id,
        "mandate_registered",
        {"grantee": grantee, "scopes": scopes, "until": until},
        topic=TOPIC,
        dedupe_key=f"mandate-registered-{mandate_id}",
    )
