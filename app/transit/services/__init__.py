"""Transit rides (乘车码): gates read the city code at entry and exit, taps form trips, fares settle daily.

Gate scanners are machine clients bound to their gates; each tap is verified through identity
(purpose ``transit``) and taken once per tap id, online or uploaded later in batches. A rider's taps
of a day form the same trips every time (:mod:`.trips`); the fare rule is data (:mod:`app.transit.fares`);
the day's trips are charged through payments once (:mod:`.settlement`). Riders read their trips.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask_babel import gettext, ngettext
from sqlalchemy import bindparam, func, select

from app.core import access
from app.core.actors import Actor, MandateScope
from app.core.cards import Card, Urgency, folded
from app.core.models import UTCDateTime
from app.core.money import Money
from app.core.pagination import Page, paginate
from app.core.views import WithFacts, with_facts
from app.extensions import db
from app.transit.fares import fare_table  # noqa: F401
from app.transit.models import PaymentState, Tap, TransitLine, Trip, TripStatus
from app.transit.services import network
from app.transit.services.concessions import (  # noqa: F401
    MyConcessions,
    attest_student,
    concession_on,
    my_concessions,
)
from app.transit.services.disputes import (  # noqa: F401
    decide_dispute,
    disputes_to_review,
    escalate_dispute,
    get_dispute,
    list_disputes,
    raise_dispute,
)
from app.transit.services.settlement import (  # noqa: F401
    DOMAIN,
    on_payment_settled,
    pay_unpaid,
    register,
    settle_day,
    settle_days,
)
from app.transit.services.taps import (  # noqa: F401
    MAX_BATCH,
    BatchResult,
    TapRequest,
    gate_of,
    record_tap,
    take_tap,
    upload_taps,
)
from app.transit.services.trips import form_day  # noqa: F401

SCOPE = MandateScope.TRANSIT


def list_trips(actor: Actor, *, cursor: str | None, limit: int, status: str | None = None) -> Page:
    """The rider's trips, newest first (by status when given)."""
    person_id = access.list_owner(actor, SCOPE, "transit_trip")
    stmt = db.select(Trip).where(Trip.person_id == person_id).options(*network.UNJOINED)
    if status:
        stmt = stmt.where(Trip.status == status)
    page = paginate(stmt, Trip.id, cursor=cursor, limit=limit)
    page.items = network.trip_views(page.items)
    return page


def get_trip(actor: Actor, trip_id: uuid.UUID) -> Trip:
    """One of the rider's trips (404 for anyone else's)."""
    return access.load_private(actor, Trip, trip_id, scope=SCOPE)


def trip_detail(actor: Actor, trip_id: uuid.UUID) -> WithFacts:
    """One of the rider's trips with the taps it was formed from (one or two)."""
    trip = get_trip(actor, trip_id)
    taps = db.session.scalars(db.select(Tap).where(Tap.trip_id == trip.id).order_by(Tap.tapped_at))
    return with_facts(trip, taps=list(taps))


def lines() -> list[TransitLine]:
    """Every line, by code."""
    return list(db.session.scalars(db.select(TransitLine).order_by(TransitLine.code)))


_HOME_TRIPS = select(
    func.count().filter(Trip.payment_state == PaymentState.UNPAID),
    func.coalesce(func.sum(Trip.fare_fen).filter(Trip.payment_state == PaymentState.UNPAID), 0),
    func.count().filter(
        Trip.status == TripStatus.INCOMPLETE, Trip.started_at >= bindparam("since", type_=UTCDateTime)
    ),
).where(Trip.person_id == bindparam("person_id"))


@folded(_HOME_TRIPS, params=lambda now: {"since": now - timedelta(days=7)})
def home_cards(row: tuple, person_id: uuid.UUID, now: datetime) -> list[Card]:
    """Unpaid fares (a daily charge failed) and recent trips missing a tap (charged the maximum fare)."""
    unpaid, unpaid_fen, incomplete = row
    cards = []
    if unpaid:
        cards.append(
            Card(
                DOMAIN,
                "unpaid_fares",
                Urgency.NOW,
                gettext("Unpaid fares"),
                ngettext("%(num)d trip is unpaid.", "%(num)d trips are unpaid.", unpaid),
                count=unpaid,
                amount=Money(int(unpaid_fen)),
                target="/api/v1/transit/trips/pay",
            )
        )
    if incomplete:
        cards.append(
            Card(
                DOMAIN,
                "incomplete_trips",
                Urgency.SOON,
                gettext("Trips missing a tap"),
                ngettext(
                    "%(num)d trip had no entry or exit tap and was charged the maximum fare.",
                    "%(num)d trips had no entry or exit tap and were charged the maximum fare.",
                    incomplete,
                ),
                count=incomplete,
                target="/api/v1/transit/trips",
            )
        )
    return cards
