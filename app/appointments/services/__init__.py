"""Appointments (预约挂号, 办事预约): providers publish plans, residents book seats, wait, cancel, check in.

Hospitals, service halls and community services are institution clients (scope
``appointments:write``) that publish providers, services and working plans; slots with seats are
generated from the plans on the working-day calendar. Residents (or a guardian under a mandate
covering ``appointments``) search, book with an ``Idempotency-Key`` under the provider's rules,
cancel before the deadline, wait for a full slot and accept a freed seat held for them, and check
in at the provider with their city code. Another person's booking is a 404.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import NamedTuple

from flask_babel import format_datetime, gettext
from sqlalchemy import bindparam, func

from app.appointments.models import Appointment, AppointmentStatus, Service, Slot, WaitlistEntry, WaitStatus
from app.appointments.services._shared import MANDATE_SCOPE, load_appointment  # noqa: F401
from app.appointments.services.booking import (  # noqa: F401
    appointment_view,
    book,
    cancel,
    check_may_book,
    confirmation_code,
    get_appointment,
    held_by,
    my_appointments,
    verify_confirmation,
)
from app.appointments.services.desk import (  # noqa: F401
    arrive_for_home_visit,
    check_in,
    close_arrived,
    desk_check_in,
    desk_day,
    fulfil,
    fulfil_home_visit,
    mark_noshow,
    mark_noshows,
    provider_appointment,
    remind,
)
from app.appointments.services.publishing import (  # noqa: F401
    add_service,
    create_provider,
    next_open_slot,
    publish_schedule,
    slot_times,
    update_rules,
    withdraw_schedule,
)
from app.appointments.services.search import (  # noqa: F401
    day_slots,
    get_provider,
    list_providers,
    list_services,
    providers_nearby,
    slot,
)
from app.appointments.services.waitlist import (  # noqa: F401
    accept_offer,
    expire_offer,
    expire_offers,
    get_entry,
    join_waitlist,
    my_waitlist,
    withdraw,
)
from app.core.cards import Card, Urgency, folded, joined
from app.core.models import UTCDateTime
from app.extensions import db

UPCOMING_DAYS = 7

# Built once: the home runs them on every visit (see docs/adding-a-domain.md, "hot statements").
_OFFERS = (
    db.select(
        WaitlistEntry.id,
        WaitlistEntry.hold_until,
        Slot.starts_at,
        Service.name_zh_hans,
        Service.name_zh_hant,
        Service.name_en,
    )
    .join(Slot, Slot.id == WaitlistEntry.slot_id)
    .join(Service, Service.id == Slot.service_id)
    .where(
        WaitlistEntry.person_id == bindparam("person_id"),
        WaitlistEntry.status == WaitStatus.OFFERED,
        WaitlistEntry.hold_until > bindparam("now", type_=UTCDateTime),
    )
    .order_by(WaitlistEntry.hold_until)
    .limit(3)
)
_UPCOMING = (
    db.select(
        Appointment.id,
        Appointment.starts_at,
        Service.name_zh_hans,
        Service.name_zh_hant,
        Service.name_en,
        func.count().over().label("total"),
    )
    .join(Service, Service.id == Appointment.service_id)
    .where(
        Appointment.person_id == bindparam("person_id"),
        Appointment.status == AppointmentStatus.BOOKED,
        Appointment.starts_at > bindparam("now", type_=UTCDateTime),
        Appointment.starts_at <= bindparam("horizon", type_=UTCDateTime),
    )
    .order_by(Appointment.starts_at)
    .limit(1)
)


def _service_name(row) -> str:
    from app.core.i18n import pick

    return pick({"zh_Hans": row.name_zh_hans, "zh_Hant": row.name_zh_hant, "en": row.name_en})


_OFFERED = db.select(func.count()).where(
    WaitlistEntry.person_id == bindparam("person_id"),
    WaitlistEntry.status == WaitStatus.OFFERED,
    WaitlistEntry.hold_until > bindparam("now", type_=UTCDateTime),
)


@folded(_OFFERED)
def _offer_cards(row: tuple, person_id: uuid.UUID, now: datetime) -> list[Card]:
    """A seat held for me to accept (now): the count folded into the home, the offers read only if any."""
    (offered,) = row
    if not offered:
        return []
    return [
        Card(
            "appointments",
            "waitlist_offer",
            Urgency.NOW,
            gettext("A seat is held for you"),
            gettext(
                "%(service)s, %(at)s: accept by %(until)s.",
                service=_service_name(offer),
                at=format_datetime(offer.starts_at, "short"),
                until=format_datetime(offer.hold_until, "short"),
            ),
            due_at=offer.hold_until,
            target=f"/api/v1/appointments/waitlist/{offer.id}",
        )
        for offer in db.session.execute(_OFFERS, {"person_id": person_id, "now": now})
    ]


class _Upcoming(NamedTuple):
    id: uuid.UUID | None
    starts_at: datetime | None
    name_zh_hans: str | None
    name_zh_hant: str | None
    name_en: str | None
    total: int | None


@folded(_UPCOMING, params=lambda now: {"horizon": now + timedelta(days=UPCOMING_DAYS)})
def _upcoming_cards(row: tuple, person_id: uuid.UUID, now: datetime) -> list[Card]:
    """My next appointment within a week."""
    upcoming = _Upcoming(*row)
    cards = []
    if upcoming.id is not None:
        today = upcoming.starts_at - now < timedelta(hours=24)
        cards.append(
            Card(
                "appointments",
                "upcoming_appointment",
                Urgency.TODAY if today else Urgency.SOON,
                gettext("Upcoming appointment"),
                gettext(
                    "%(service)s, %(at)s.",
                    service=_service_name(upcoming),
                    at=format_datetime(upcoming.starts_at, "short"),
                ),
                count=upcoming.total,
                due_at=upcoming.starts_at,
                target=f"/api/v1/appointments/{upcoming.id}",
            )
        )
    return cards


# A seat held for me to accept, and my next appointment within a week (one statement of the home's).
home_cards = joined(_offer_cards, _upcoming_cards)
