"""What appointments tell residents, each exactly once (outbox rows with a dedupe key).

* a booking confirmed, with its verification code;
* a seat freed and held for them from the waitlist, until when;
* an offer that expired unanswered;
* an appointment cancelled by the provider, with another time offered;
* reminders the day before and an hour before (quiet hours respected by notifications).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.appointments.models import Appointment, Slot, WaitlistEntry
from app.notifications import services as notifications
from app.notifications.services import Localized

TOPIC = "appointments"

notifications.register_topic(TOPIC, label=_l("Appointments"), default_channels=("sms", "telegram"))
notifications.register_template(
    "appointment_booked",
    topic=TOPIC,
    title=_l("Appointment booked"),
    body=_l("%(service)s at %(provider)s, %(at)s. Confirmation code %(code)s."),
)
notifications.register_template(
    "appointment_offer",
    topic=TOPIC,
    title=_l("A seat freed up for you"),
    body=_l(
        "A seat for %(service)s at %(provider)s, %(at)s, is held for you until %(until)s. "
        "Accept it in the app before then."
    ),
)
notifications.register_template(
    "appointment_offer_expired",
    topic=TOPIC,
    title=_l("Waitlist offer expired"),
    body=_l(
        "The seat for %(service)s at %(provider)s, %(at)s, was passed on: the offer was not accepted in time."
    ),
)
notifications.register_template(
    "appointment_cancelled_by_provider",
    topic=TOPIC,
    title=_l("Appointment cancelled by the provider"),
    body=_l("%(provider)s cancelled %(service)s at %(at)s. %(alternative)s"),
)
notifications.register_template(
    "appointment_reminder",
    topic=TOPIC,
    title=_l("Appointment reminder"),
    body=_l("%(service)s at %(provider)s, %(at)s. Show your city code when you arrive."),
)

ALTERNATIVE = _l("Another time is offered: %(at)s. Book it in the app.")
NO_ALTERNATIVE = _l("No other time is open yet; we are sorry.")


def _where(slot: Slot) -> dict:
    return {
        "service": Localized(slot.service.names),
        "provider": Localized(slot.service.provider.names),
        "at": slot.starts_at,
    }


def booked(appointment: Appointment, code: str) -> None:
    """The booking is confirmed (once per appointment)."""
    notifications.notify(
        appointment.person_id,
        "appointment_booked",
        {**_where(appointment.slot), "code": code},
        topic=TOPIC,
        dedupe_key=f"appointments:booked:{appointment.id}",
    )


def offered(entry: WaitlistEntry) -> None:
    """A freed seat is held for the first on the waitlist (once per entry)."""
    notifications.notify(
        entry.person_id,
        "appointment_offer",
        {**_where(entry.slot), "until": entry.hold_until},
        topic=TOPIC,
        dedupe_key=f"appointments:offer:{entry.id}",
        urgency="urgent",  # the hold runs out: quiet hours would let it lapse unseen
    )


def offer_expired(entry: WaitlistEntry) -> None:
    """The hold ran out and the seat went on (once per entry)."""
    notifications.notify(
        entry.person_id,
        "appointment_offer_expired",
        _where(entry.slot),
        topic=TOPIC,
        dedupe_key=f"appointments:offer-expired:{entry.id}",
    )


def cancelled_by_provider(appointment: Appointment, alternative: Slot | None) -> None:
    """The provider withdrew the time; another is offered where one is open (once per appointment)."""
    from app.core.i18n import in_every_locale

    if alternative is not None:
        text = in_every_locale(lambda: _format(ALTERNATIVE, at=alternative.starts_at))
    else:
        text = in_every_locale(NO_ALTERNATIVE)
    notifications.notify(
        appointment.person_id,
        "appointment_cancelled_by_provider",
        {**_where(appointment.slot), "alternative": Localized(text)},
        topic=TOPIC,
        dedupe_key=f"appointments:provider-cancelled:{appointment.id}",
        urgency="urgent",
    )


def _format(message, *, at) -> str:
    from flask_babel import format_datetime

    return str(message) % {"at": format_datetime(at, "short")}


def reminder(appointment: Appointment, which: str) -> None:
    """A reminder ``day`` before or an ``hour`` before (once per appointment and kind)."""
    notifications.notify(
        appointment.person_id,
        "appointment_reminder",
        _where(appointment.slot),
        topic=TOPIC,
        dedupe_key=f"appointments:reminder:{which}:{appointment.id}",
    )
