"""What identity tells people: welcome, a linked chat, mandates, someone at their sign-in (once each)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

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

notifications.register_template(
    "mandate_invitation",
    topic=TOPIC,
    title=_l("An invitation to act for someone"),
    body=_l(
        "%(grantor)s (%(grantor_phone)s) asks you to act for them in Yimatong (%(scopes)s) until %(until)s. "
        "Sign in to the Yimatong app with this phone number to accept or decline; "
        "nothing happens until you do."
    ),
)
notifications.register_template(
    "mandate_to_accept",
    topic=TOPIC,
    title=_l("An invitation to act for someone"),
    body=_l(
        "%(grantor)s asks you to act for them (%(scopes)s) until %(until)s. "
        "Accept or decline it under Mandates received."
    ),
)
notifications.register_template(
    "mandate_accepted",
    topic=TOPIC,
    title=_l("Your mandate was accepted"),
    body=_l("%(grantee)s accepted to act for you (%(scopes)s) until %(until)s."),
)
notifications.register_template(
    "urgent_relayed",  # an urgent message that reached neither the person's Telegram nor their phone
    topic=TOPIC,
    title=_l("For %(name)s: %(title)s"),
    body=_l("%(body)s\n(%(name)s could not be reached by Telegram or SMS; you hold their mandate.)"),
)
notifications.register_template(
    "lost_phone_reported",  # urgent: down the chain, so someone hears of it even if the phone is gone
    topic=TOPIC,
    title=_l("Your phone was reported lost"),
    body=_l(
        "At %(time)s every city code issued until then stopped working and %(count)s sign-ins were ended. "
        "Sign in again on your new phone. If you did not report it, call 12345 at once."
    ),
)
notifications.register_template(
    "sign_in_guard",
    topic=TOPIC,
    title=_l("Someone is asking for sign-in codes for your number"),
    body=_l(
        "Sign-in codes for your number were asked for or entered wrongly several times within an hour. "
        "If this was not you, nobody can sign in without the code texted to you: never share it. "
        "You can still sign in as usual."
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


def mandate_invitation(
    phone: str, locale: str, mandate_id: uuid.UUID, grantor: str, grantor_phone: str, scopes: str, until: date
) -> None:
    """Text a number without an account that someone asks its holder to act for them (SMS, ``locale``)."""
    notifications.notify_phone(
        phone,
        "mandate_invitation",
        {"grantor": grantor, "grantor_phone": grantor_phone, "scopes": scopes, "until": until},
        locale=locale,
        topic=TOPIC,
        dedupe_key=f"mandate-invitation-{mandate_id}",
    )


def mandate_to_accept(
    person_id: uuid.UUID, mandate_id: uuid.UUID, grantor: str, scopes: str, until: date
) -> None:
    """Tell a new account of an invitation waiting for it, to accept or decline."""
    notifications.notify(
        person_id,
        "mandate_to_accept",
        {"grantor": grantor, "scopes": scopes, "until": until},
        topic=TOPIC,
        dedupe_key=f"mandate-to-accept-{mandate_id}",
    )


def mandate_accepted(
    grantor_id: uuid.UUID, mandate_id: uuid.UUID, grantee: str, scopes: str, until: date
) -> None:
    """Tell the grantor their mandate is now in force."""
    notifications.notify(
        grantor_id,
        "mandate_accepted",
        {"grantee": grantee, "scopes": scopes, "until": until},
        topic=TOPIC,
        dedupe_key=f"mandate-accepted-{mandate_id}",
    )


def lost_phone_reported(person_id: uuid.UUID, moment: datetime, ended: int) -> None:
    """The person's codes and sign-ins were stopped (urgent: Telegram, else SMS, else mandate holders)."""
    notifications.notify(
        person_id,
        "lost_phone_reported",
        {"time": moment, "count": ended},
        topic=TOPIC,
        dedupe_key=f"lost-phone-{person_id}-{moment.isoformat()}",
        urgency="urgent",
    )


def sign_in_guard(person_id: uuid.UUID, hour: int) -> None:
    """Someone is asking for or guessing the person's sign-in codes: tell them, at most once an hour."""
    notifications.notify(
        person_id, "sign_in_guard", {}, topic=TOPIC, dedupe_key=f"sign-in-guard-{person_id}-{hour}"
    )
