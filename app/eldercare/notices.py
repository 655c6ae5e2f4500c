"""What elder care tells people, each exactly once (outbox rows with a dedupe key).

* an alert, to each rung of its ladder as it is called (urgent: quiet hours never hold it); in
  Telegram it carries **I am coming** buttons, one per arrival time offered (``ETA_CHOICES``),
  which the bot answers as ``acknowledge``;
* the elder: who answered and when they expect to arrive;
* the elder: a gentle reminder to check in.
"""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l

from app.core.i18n import DEFAULT_LOCALE, in_every_locale
from app.eldercare.models import ETA_CHOICES, KIND_LABELS, SERVICE_LABELS, AlertKind, CareService
from app.notifications import services as notifications
from app.notifications.services import Localized

TOPIC = "eldercare"


def _coming(minutes: int) -> notifications.Button:
    """The notice's I am coming button for one arrival time: the bot's acknowledge (its eldercare feature)."""
    return notifications.Button(
        label=_l("🚗 I am coming (about %(minutes)s min)"),
        data="sosack:%(alert_id)s:%(minutes)s",
        fixed={"minutes": minutes},
    )


notifications.register_topic(TOPIC, label=_l("Elder care"), default_channels=("sms", "telegram"))
notifications.register_template(
    "eldercare_sos",
    topic=TOPIC,
    title=_l("%(kind)s: %(elder)s needs help"),
    body=_l(
        "%(kind)s from %(elder)s at %(time)s. Nobody has answered yet. Answer in the app "
        "(alert %(reference)s) if you can go, or call them now."
    ),
    buttons=[[_coming(minutes) for minutes in ETA_CHOICES[i : i + 2]] for i in range(0, len(ETA_CHOICES), 2)],
)
notifications.register_template(
    "eldercare_visit_verified",
    topic=TOPIC,
    title=_l("Care visit recorded"),
    body=_l(
        "%(service)s by %(caregiver)s of %(provider)s, %(start)s to %(end)s. "
        "Paid from your care subsidy: %(subsidy)s."
    ),
)
notifications.register_template(
    "eldercare_checkin_missed",
    topic=TOPIC,
    title=_l("Time for your daily check-in"),
    body=_l("Good day! Tap “I am fine” in the app so your family knows all is well today."),
)
notifications.register_template(
    "eldercare_answered",
    topic=TOPIC,
    title=_l("%(responder)s is coming"),
    body=_l("%(responder)s answered your call for help and expects to be with you in %(eta)s minutes."),
)


def _kind(kind: str) -> Localized:
    return Localized(in_every_locale(KIND_LABELS[AlertKind(kind)]))


def alert_to_person(person_id: uuid.UUID, alert, elder_name: str, rung: int) -> None:
    """Call one person of a rung about an alert (once per alert, rung and person)."""
    notifications.notify(
        person_id,
        "eldercare_sos",
        _alert_params(alert, elder_name),
        topic=TOPIC,
        dedupe_key=f"eldercare:alert:{alert.id}:{rung}:{person_id}",
        urgency="urgent",
    )


def alert_to_phone(phone: str, alert, elder_name: str, rung: int, contact_id: uuid.UUID) -> None:
    """Text an emergency contact who has no account (once per alert and contact)."""
    notifications.notify_phone(
        phone,
        "eldercare_sos",
        _alert_params(alert, elder_name),
        locale=DEFAULT_LOCALE,
        topic=TOPIC,
        dedupe_key=f"eldercare:alert:{alert.id}:{rung}:{contact_id}",
        urgency="urgent",
    )


def _alert_params(alert, elder_name: str) -> dict:
    return {
        "kind": _kind(alert.kind),
        "elder": elder_name,
        "time": alert.raised_at,
        "reference": str(alert.id)[-8:],
        "alert_id": alert.id.hex,  # the whole id, for the buttons that answer it
    }


def answered(alert) -> None:
    """Tell the elder who is coming (once per alert)."""
    notifications.notify(
        alert.person_id,
        "eldercare_answered",
        {"responder": alert.responder_name or "", "eta": alert.eta_minutes or 0},
        topic=TOPIC,
        dedupe_key=f"eldercare:answered:{alert.id}",
        urgency="urgent",
    )


def checkin_reminder(person_id: uuid.UUID, checkin_id: uuid.UUID) -> None:
    """Remind the elder to check in today (once per day)."""
    notifications.notify(
        person_id,
        "eldercare_checkin_missed",
        {},
        topic=TOPIC,
        dedupe_key=f"eldercare:checkin-reminder:{checkin_id}",
    )


def visit_verified(visit) -> None:
    """The elder hears of a verified visit and what their voucher paid (a proxy sees it too, in scope)."""
    notifications.notify(
        visit.person_id,
        "eldercare_visit_verified",
        {
            "service": Localized(in_every_locale(SERVICE_LABELS[CareService(visit.service)])),
            "caregiver": visit.caregiver_name,
            "provider": visit.provider_name,
            "start": visit.started_at,
            "end": visit.ended_at,
            "subsidy": visit.subsidy,
        },
        topic=TOPIC,
        dedupe_key=f"eldercare:visit-verified:{visit.id}",
    )
