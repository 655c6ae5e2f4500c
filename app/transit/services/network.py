"""The network as every process keeps it: lines and stations by id (``app.core.refdata``).

A page of trips names each trip's line and stations from here, so its statement reads one table's
index range instead of joining lines and stations (seven relations that PostgreSQL planned again on
every page). Any ORM write to a line or a station drops what each process keeps (at once here, within
about a second elsewhere), and a trip naming a line or station this process does not know yet reads
the network again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import lazyload

from app.core import refdata
from app.core.i18n import pick
from app.core.views import WithFacts, with_facts
from app.extensions import db
from app.transit.models import TransitLine, TransitStation, Trip


@dataclass(frozen=True)
class LineRef:
    """A line as the network hands it out."""

    id: uuid.UUID
    code: str
    mode: str
    names: dict[str, str]

    @property
    def name(self) -> str:
        """The name in the reader's language."""
        return pick(self.names)


@dataclass(frozen=True)
class StationRef:
    """A station as the network hands it out, with its line's id."""

    id: uuid.UUID
    code: str
    line_id: uuid.UUID
    names: dict[str, str]

    @property
    def name(self) -> str:
        """The name in the reader's language."""
        return pick(self.names)


@dataclass(frozen=True)
class Network:
    """Every line and station, read once per process and kept until one changes."""

    lines: dict[uuid.UUID, LineRef]
    stations: dict[uuid.UUID, StationRef]

    def knows(self, trip: Trip) -> bool:
        """Names the trip's line and stations."""
        return trip.line_id in self.lines and all(
            station_id is None or station_id in self.stations
            for station_id in (trip.entry_station_id, trip.exit_station_id)
        )


REFERENCE = "transit_network"
refdata.register(REFERENCE, TransitLine, TransitStation)

# a trip as a list reads it: its own row, its line and stations from the network (loaded only if
# something else asks the record itself, as a later step of the same session may)
UNJOINED = (lazyload(Trip.line), lazyload(Trip.entry_station), lazyload(Trip.exit_station))


def network() -> Network:
    """The lines and stations as this process keeps them (read again after any change to them)."""
    return refdata.cached(REFERENCE, _load_network)


def _load_network() -> Network:
    names = (TransitLine.name_zh_hans, TransitLine.name_zh_hant, TransitLine.name_en)
    lines = {
        row.id: LineRef(row.id, row.code, row.mode, _names(row))
        for row in db.session.execute(db.select(TransitLine.id, TransitLine.code, TransitLine.mode, *names))
    }
    names = (TransitStation.name_zh_hans, TransitStation.name_zh_hant, TransitStation.name_en)
    columns = (TransitStation.id, TransitStation.code, TransitStation.line_id, *names)
    stations = {
        row.id: StationRef(row.id, row.code, row.line_id, _names(row))
        for row in db.session.execute(db.select(*columns))
    }
    return Network(lines, stations)


def _names(row) -> dict[str, str]:
    return {"zh_Hans": row.name_zh_hans, "zh_Hant": row.name_zh_hant, "en": row.name_en}


def trip_views(trips: list[Trip]) -> list[WithFacts]:
    """Trips as lists show them, their line and stations named from the network."""
    known = network()
    if not all(known.knows(trip) for trip in trips):  # added since this process read it
        refdata.changed(REFERENCE)
        known = network()
    return [trip_view(trip, known) for trip in trips]


def trip_view(trip: Trip, known: Network) -> WithFacts:
    """One trip with its line and stations from ``known``."""
    return with_facts(
        trip,
        line=known.lines[trip.line_id],
        entry_station=known.stations.get(trip.entry_station_id) if trip.entry_station_id else None,
        exit_station=known.stations.get(trip.exit_station_id) if trip.exit_station_id else None,
    )
