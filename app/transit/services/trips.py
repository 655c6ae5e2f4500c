"""Trips from taps: one rider's taps of one day form the same trips every time, priced by the fare rule.

Forming runs under the lock of the rider's day (``TransitDay``), so two gates' taps of one rider at
once, or a batch uploaded twice at once, form the day's trips one after the other. Trips already
charged keep their taps and fares; the other taps are formed again and the other trips priced after
the charged ones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.core.ids import new_id
from app.core.models import upsert_insert, utcnow
from app.extensions import db
from app.transit import fares
from app.transit.models import (
    Mode,
    Tap,
    TapKind,
    TapOutcome,
    TransitDay,
    TransitStation,
    Trip,
    TripStatus,
)
from app.transit.services import concessions

MAX_TRIP = timedelta(hours=4)  # an entry with no exit after this long is a trip missing its exit


@dataclass
class Draft:
    """A trip as the taps form it: its first tap, its exit tap (metro), and whether it is complete."""

    first: Tap
    exit: Tap | None = None
    status: str = TripStatus.OPEN


def lock_day(person_id: uuid.UUID, day: date) -> TransitDay:
    """The rider's day, created on their first tap of it, locked until the transaction ends."""
    db.session.execute(
        upsert_insert(TransitDay)
        .values(person_id=person_id, business_date=day, needs_settling=True)
        .on_conflict_do_nothing()
    )
    return db.session.scalars(
        db.select(TransitDay)
        .where(TransitDay.person_id == person_id, TransitDay.business_date == day)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def assemble(taps: list[Tap], now: datetime) -> list[Draft]:
    """Pair taps in time order: a bus tap is a trip; a metro entry waits for its exit (at most MAX_TRIP)."""
    drafts: list[Draft] = []
    open_trip: Draft | None = None
    for tap in taps:
        if open_trip is not None and tap.tapped_at - open_trip.first.tapped_at > MAX_TRIP:
            open_trip.status, open_trip = TripStatus.INCOMPLETE, None
        if tap.gate.station.line.mode == Mode.BUS:
            drafts.append(Draft(first=tap, status=TripStatus.COMPLETE))
        elif tap.kind == TapKind.ENTRY:
            if open_trip is not None:
                open_trip.status = TripStatus.INCOMPLETE  # entered again without leaving
            open_trip = Draft(first=tap)
            drafts.append(open_trip)
        elif open_trip is not None:
            open_trip.exit, open_trip.status, open_trip = tap, TripStatus.COMPLETE, None
        else:
            drafts.append(Draft(first=tap, status=TripStatus.INCOMPLETE))  # an exit with no entry
    if open_trip is not None and now - open_trip.first.tapped_at > MAX_TRIP:
        open_trip.status = TripStatus.INCOMPLETE
    return drafts


def form_day(person_id: uuid.UUID, day: date, now: datetime | None = None) -> TransitDay:
    """Form and price the rider's trips of ``day`` again from their accepted taps (under the day's lock)."""
    now = now or utcnow()
    transit_day = lock_day(person_id, day)
    trips = {
        trip.first_tap_id: trip
        for trip in db.session.scalars(
            db.select(Trip).where(Trip.person_id == person_id, Trip.business_date == day)
        )
    }
    fixed = {trip.id for trip in trips.values() if trip.charged}
    taps = list(
        db.session.scalars(
            db.select(Tap)
            .where(
                Tap.person_id == person_id,
                Tap.business_date == day,
                Tap.outcome == TapOutcome.ACCEPTED,
            )
            .order_by(Tap.tapped_at, Tap.id)
        )
    )
    free = [tap for tap in taps if tap.trip_id not in fixed]
    drafts = assemble(free, now)
    kept = {draft.first.id for draft in drafts}
    for first_tap_id, trip in list(trips.items()):
        if trip.id not in fixed and first_tap_id not in kept:
            for tap in free:
                if tap.trip_id == trip.id:
                    tap.trip_id = None
            db.session.delete(trip)
            del trips[first_tap_id]
    db.session.flush()
    with db.session.no_autoflush:
        for draft in drafts:
            trips[draft.first.id] = _apply(draft, trips.get(draft.first.id), person_id, day)
    db.session.flush()  # the new trips exist before their taps point at them
    for draft in drafts:
        for tap in (draft.first, draft.exit):
            if tap is not None:
                tap.trip_id = trips[draft.first.id].id
    db.session.flush()
    _price(person_id, list(trips.values()))
    transit_day.needs_settling = any(not trip.charged for trip in trips.values())
    return transit_day


def _apply(draft: Draft, trip: Trip | None, person_id: uuid.UUID, day: date) -> Trip:
    station = draft.first.gate.station
    if trip is None:  # its id given here, so the day's trips are written in one flush
        trip = Trip(id=new_id(), person_id=person_id, business_date=day, first_tap_id=draft.first.id)
        db.session.add(trip)
    trip.line_id, trip.mode = station.line_id, station.line.mode
    exit_station = draft.exit.gate.station if draft.exit is not None else None
    if draft.first.kind == TapKind.EXIT and trip.mode == Mode.METRO:
        trip.entry_station_id, exit_station = None, station
    else:
        trip.entry_station_id = station.id
    trip.exit_station_id = exit_station.id if exit_station is not None else None
    trip.started_at = draft.first.tapped_at
    trip.ended_at = draft.exit.tapped_at if draft.exit is not None else None
    if trip.mode == Mode.BUS:
        trip.ended_at = trip.started_at
    trip.status = draft.status
    trip.distance_km = _distance(trip, station, exit_station)
    return trip


def _distance(trip: Trip, entry: TransitStation, exit_station: TransitStation | None) -> float | None:
    if trip.mode != Mode.METRO or trip.status != TripStatus.COMPLETE or exit_station is None:
        return None
    stations = db.session.scalars(
        db.select(TransitStation).where(TransitStation.line_id.in_({entry.line_id, exit_station.line_id}))
    )
    network = [fares.Stop(s.line_id.hex, s.code, s.km) for s in stations]
    return fares.metro_distance(
        fares.Stop(entry.line_id.hex, entry.code, entry.km),
        fares.Stop(exit_station.line_id.hex, exit_station.code, exit_station.km),
        network,
    )


def _price(person_id: uuid.UUID, trips: list[Trip]) -> None:
    """Price the day's finished trips after the charged ones; an open trip costs nothing yet."""
    table = fares.fare_table()
    finished = sorted(
        (trip for trip in trips if trip.status != TripStatus.OPEN), key=lambda t: (t.started_at, t.id)
    )
    concession = concessions.concession_on(person_id, finished[0].business_date) if finished else None
    rides = [
        fares.Ride(
            mode=trip.mode,
            line=trip.line_id.hex,
            distance_km=trip.distance_km,
            started_at=trip.started_at,
            ended_at=trip.ended_at or trip.started_at,
            charged_fen=trip.fare_fen if trip.charged else None,
        )
        for trip in finished
    ]
    for trip, priced in zip(finished, fares.price_day(table, rides, concession), strict=True):
        if not trip.charged:
            trip.base_fen, trip.fare_fen = priced.base_fen, priced.fare_fen
            trip.transfer, trip.concession, trip.capped = priced.transfer, priced.concession, priced.capped
    for trip in trips:
        if trip.status == TripStatus.OPEN:
            trip.base_fen = trip.fare_fen = 0
