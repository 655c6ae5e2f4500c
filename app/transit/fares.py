"""Fares as data: flat bus fares, metro distance bands, the transfer discount, concessions, the daily cap.

The table lives in ``data/fares.json``; the rule is a pure function of the table and one rider's
trips of one business day (Asia/Shanghai), in the order they started. Trips already charged keep
their fare and count towards the cap; the others are priced after them, so a trip uploaded late by
an offline gate never changes what was already charged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

FARES_PATH = Path(__file__).parent / "data" / "fares.json"
BUS, METRO = "bus", "metro"
ELDER = "elder"
STUDENT = "student"


@dataclass(frozen=True)
class Band:
    """A metro fare for trips up to ``up_to_km`` kilometres."""

    up_to_km: float
    fen: int


@dataclass(frozen=True)
class FareTable:
    """Every number the fare rule uses."""

    bus_flat_fen: int
    metro_bands: tuple[Band, ...]
    metro_step_km: float  # beyond the last band: one more step of fare per this many km
    metro_step_fen: int
    metro_max_fen: int  # a trip with a missing tap, or beyond every band
    transfer_window: timedelta
    transfer_discount_fen: int
    daily_cap_fen: int
    elder_age: int
    concession_percent: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> mode -> % paid
    payee: str = "city-transit"  # the clearing house paid the fares, which pays each operator

    @classmethod
    def from_data(cls, data: dict) -> FareTable:
        """Build the table from its JSON form."""
        return cls(
            bus_flat_fen=int(data["bus_flat_fen"]),
            metro_bands=tuple(Band(float(b["up_to_km"]), int(b["fen"])) for b in data["metro_bands"]),
            metro_step_km=float(data["metro_step_km"]),
            metro_step_fen=int(data["metro_step_fen"]),
            metro_max_fen=int(data["metro_max_fen"]),
            transfer_window=timedelta(minutes=int(data["transfer_window_minutes"])),
            transfer_discount_fen=int(data["transfer_discount_fen"]),
            daily_cap_fen=int(data["daily_cap_fen"]),
            elder_age=int(data["elder_age"]),
            concession_percent={k: {m: int(p) for m, p in v.items()} for k, v in data["concessions"].items()},
            payee=str(data["payee"]),
        )


@cache
def fare_table() -> FareTable:
    """The city's fare table (read once)."""
    return FareTable.from_data(json.loads(FARES_PATH.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Ride:
    """One trip as the rule sees it: the mode, the line, the distance (None: a tap is missing), when."""

    mode: str
    line: str
    distance_km: float | None
    started_at: datetime
    ended_at: datetime
    charged_fen: int | None = None  # already charged: kept as it is


@dataclass(frozen=True)
class PricedRide:
    """What one trip costs, and why."""

    base_fen: int
    fare_fen: int
    transfer: bool = False
    concession: str | None = None
    capped: bool = False


def base_fare(table: FareTable, mode: str, distance_km: float | None) -> int:
    """The full fare of one trip before discounts: flat for buses, by distance band for the metro."""
    if mode == BUS:
        return table.bus_flat_fen
    if distance_km is None:
        return table.metro_max_fen
    for band in table.metro_bands:
        if distance_km <= band.up_to_km:
            return band.fen
    last = table.metro_bands[-1]
    steps = -int(-(distance_km - last.up_to_km) // table.metro_step_km)  # ceiling
    return min(last.fen + steps * table.metro_step_fen, table.metro_max_fen)


def concession_of(table: FareTable, age: int | None, *, student: bool = False) -> str | None:
    """The rider's concession: elder by verified age (the better one), else student if attested, else none.

    ``age`` is None before real-name verification; ``student`` is a school's attestation in force on
    the day (a concession needs a verified real name either way).
    """
    if age is None:
        return None
    if age >= table.elder_age:
        return ELDER
    return STUDENT if student and STUDENT in table.concession_percent else None


def price_day(table: FareTable, rides: Sequence[Ride], concession: str | None = None) -> list[PricedRide]:
    """Price one rider's trips of one day, in the order given (by start): transfers, concession, cap."""
    priced: list[PricedRide] = []
    spent = 0
    previous: Ride | None = None
    for ride in rides:
        base = base_fare(table, ride.mode, ride.distance_km)
        if ride.charged_fen is not None:
            priced.append(PricedRide(base_fen=base, fare_fen=ride.charged_fen))
            spent, previous = spent + ride.charged_fen, ride
            continue
        fare = base
        percent = table.concession_percent.get(concession or "", {}).get(ride.mode, 100)
        fare = fare * percent // 100
        transfer = _is_transfer(table, previous, ride) and fare > 0
        if transfer:
            fare = max(0, fare - table.transfer_discount_fen)
        capped = spent + fare > table.daily_cap_fen
        fare = max(0, min(fare, table.daily_cap_fen - spent))
        priced.append(
            PricedRide(
                base_fen=base,
                fare_fen=fare,
                transfer=transfer,
                concession=concession if percent != 100 else None,
                capped=capped,
            )
        )
        spent, previous = spent + fare, ride
    return priced


def _is_transfer(table: FareTable, previous: Ride | None, ride: Ride) -> bool:
    """A trip starting within the window after the previous one ended, on another line."""
    if previous is None or previous.line == ride.line:
        return False
    return timedelta(0) <= ride.started_at - previous.ended_at <= table.transfer_window


@dataclass(frozen=True)
class Stop:
    """A metro station on a line, at ``km`` along it; the same ``code`` on two lines is an interchange."""

    line: str
    code: str
    km: float


def metro_distance(entry: Stop, exit_: Stop, network: Iterable[Stop]) -> float | None:
    """The distance between two stations: along one line, or through the nearest interchange."""
    if entry.line == exit_.line:
        return round(abs(entry.km - exit_.km), 3)
    on_entry = {stop.code: stop.km for stop in network if stop.line == entry.line}
    on_exit = {stop.code: stop.km for stop in network if stop.line == exit_.line}
    routes = [
        abs(entry.km - on_entry[code]) + abs(on_exit[code] - exit_.km) for code in on_entry.keys() & on_exit
    ]
    return round(min(routes), 3) if routes else None
