"""What social security tells residents, each exactly once (outbox rows with a dedupe key).

* an employer that stopped paying: a month with no employer contribution after one with;
* a change of insured status in a scheme (contributing, suspended, terminated);
* a large withdrawal from the housing provident fund (urgent: it may not be theirs).
"""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import lazy_gettext as _l

from app.core.i18n import in_every_locale
from app.core.money import Money
from app.notifications import services as notifications
from app.notifications.services import Localized
from app.social_security.models import SCHEME_LABELS, STATUS_LABELS

TOPIC = "social_security"

notifications.register_topic(
    TOPIC, label=_l("Social insurance and housing fund"), default_channels=("sms", "telegram")
)
notifications.register_template(
    "ss_employer_stopped",
    topic=TOPIC,
    title=_l("No employer contribution"),
    body=_l(
        "No employer contribution to your %(scheme)s was recorded for %(period)s. If you are still "
        "employed, ask your employer or the social-security bureau (12333)."
    ),
)
notifications.register_template(
    "ss_status_changed",
    topic=TOPIC,
    title=_l("Your insured status changed"),
    body=_l("Your %(scheme)s status changed from %(old)s to %(new)s on %(date)s."),
)
notifications.register_template(
    "ss_large_withdrawal",
    topic=TOPIC,
    title=_l("Large housing-fund withdrawal"),
    body=_l(
        "%(amount)s was withdrawn from your housing provident fund on %(date)s; the balance is now "
        "%(balance)s. If you did not ask for it, call the housing-fund centre (12329)."
    ),
)


def in_every_language(text) -> Localized:
    """A lazily translated label in each supported language, for a message rendered later."""
    return Localized(in_every_locale(text))


def employer_stopped(person_id: uuid.UUID, insured_id: uuid.UUID, scheme: str, month: date) -> None:
    """The month passed without an employer contribution (once per person, scheme and month)."""
    notifications.notify(
        person_id,
        "ss_employer_stopped",
        {"scheme": in_every_language(SCHEME_LABELS[scheme]), "period": f"{month:%Y-%m}"},
        topic=TOPIC,
        dedupe_key=f"social_security:no-employer:{insured_id}:{scheme}:{month:%Y-%m}",
    )


def status_changed(
    person_id: uuid.UUID, record_id: uuid.UUID, scheme: str, old: str, new: str, effective: date
) -> None:
    """The insured status of a scheme changed (once per status record)."""
    notifications.notify(
        person_id,
        "ss_status_changed",
        {
            "scheme": in_every_language(SCHEME_LABELS[scheme]),
            "old": in_every_language(STATUS_LABELS[old]),
            "new": in_every_language(STATUS_LABELS[new]),
            "date": effective,
        },
        topic=TOPIC,
        dedupe_key=f"social_security:status:{record_id}",
    )


def large_withdrawal(person_id: uuid.UUID, source_key: str, amount: Money, balance: Money, day: date) -> None:
    """A withdrawal at or over the threshold (once per institution record, corrections included)."""
    notifications.notify(
        person_id,
        "ss_large_withdrawal",
        {"amount": amount, "balance": balance, "date": day},
        topic=TOPIC,
        dedupe_key=f"social_security:withdrawal:{source_key}",
        urgency="urgent",
    )
