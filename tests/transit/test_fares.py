"""The fare rule: bands, the transfer window, the daily cap, concessions, charged trips kept as charged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.transit import fares

T0 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
TABLE = fares.fare_table()


def ride(mode="metro", line="M1", km=5.0, start=0, minutes=20, charged=None):
    """A ride starting ``start`` minutes after T0 and lasting ``minutes``."""
    began = T0 + timedelta(minutes=start)
    return fares.Ride(mode, line, km, began, began + timedelta(minutes=minutes), charged)


@pytest.mark.parametrize(
    ("km", "fen"),
    [(0.5, 300), (6.0, 300), (6.01, 400), (12.0, 400), (22.0, 500), (32.0, 600), (32.1, 700), (52.0, 700),
     (52.1, 800), (200.0, 1000), (None, 1000)],
)  # fmt: skip
def test_metro_fares_follow_the_distance_bands_up_to_the_maximum(km, fen):
    assert fares.base_fare(TABLE, "metro", km) == fen


def test_a_bus_costs_the_flat_fare_whatever_the_distance():
    assert fares.base_fare(TABLE, "bus", None) == fares.base_fare(TABLE, "bus", 30.0) == 200


def test_a_trip_on_another_line_within_the_window_gets_the_transfer_discount():
    priced = fares.price_day(TABLE, [ride(), ride("bus", "B2", None, start=20 + 90, minutes=0)])
    assert [p.fare_fen for p in priced] == [300, 100]
    assert priced[1].transfer


def test_the_window_closes_after_ninety_minutes_and_the_same_line_is_no_transfer():
    late = fares.price_day(TABLE, [ride(), ride("bus", "B2", None, start=20 + 91, minutes=0)])
    same_line = fares.price_day(TABLE, [ride(), ride(start=30)])
    assert [p.fare_fen for p in late] == [300, 200]
    assert [p.fare_fen for p in same_line] == [300, 300]


def test_the_daily_cap_stops_the_day_at_fifteen_yuan():
    rides = [ride(km=40.0, start=i * 200) for i in range(4)]  # 7 yuan each, never transfers
    priced = fares.price_day(TABLE, rides)
    assert [p.fare_fen for p in priced] == [700, 700, 100, 0]
    assert [p.capped for p in priced] == [False, False, True, True]


def test_elders_ride_buses_free_and_the_metro_at_half_fare():
    assert fares.concession_of(TABLE, 60) == "elder" and fares.concession_of(TABLE, 59) is None
    assert fares.concession_of(TABLE, None) is None  # no real name, no concession
    priced = fares.price_day(TABLE, [ride(km=15.0), ride("bus", "B2", None, start=300, minutes=0)], "elder")
    assert [p.fare_fen for p in priced] == [250, 0]
    assert priced[0].concession == "elder"


def test_charged_trips_keep_their_fare_and_count_towards_the_cap():
    priced = fares.price_day(TABLE, [ride(km=40.0, charged=1400), ride(start=300)])
    assert [p.fare_fen for p in priced] == [1400, 100]


def test_distance_across_lines_runs_through_the_nearest_interchange():
    network = [fares.Stop("M1", "A", 0.0), fares.Stop("M1", "X", 10.0), fares.Stop("M2", "X", 3.0),
               fares.Stop("M2", "B", 8.0)]  # fmt: skip
    assert fares.metro_distance(fares.Stop("M1", "A", 0.0), fares.Stop("M2", "B", 8.0), network) == 15.0
    assert fares.metro_distance(fares.Stop("M1", "A", 0.0), fares.Stop("M1", "X", 10.0), network) == 10.0
    assert fares.metro_distance(fares.Stop("M1", "A", 0.0), fares.Stop("M3", "C", 1.0), network) is None


def test_students_ride_at_half_fare_once_a_school_attests_them():
    assert fares.concession_of(TABLE, 15, student=True) == "student"
    assert fares.concession_of(TABLE, 15) is None  # no attestation in force: the full fare
    assert fares.concession_of(TABLE, None, student=True) is None  # no verified real name
    assert fares.concession_of(TABLE, 65, student=True) == "elder"  # the better concession wins
    priced = fares.price_day(TABLE, [ride(km=15.0), ride("bus", "B2", None, start=300, minutes=0)], "student")
    assert [p.fare_fen for p in priced] == [250, 100]
    assert {p.concession for p in priced} == {"student"}


def test_a_student_transfer_takes_the_discount_after_the_half_fare():
    priced = fares.price_day(TABLE, [ride(km=15.0), ride("bus", "B2", None, start=30, minutes=0)], "student")
    assert [p.fare_fen for p in priced] == [250, 0]  # half of 2 yuan is 1, less the 1-yuan transfer
    assert priced[1].transfer and priced[1].concession == "student"


def test_student_fares_count_towards_the_same_daily_cap():
    rides = [ride(km=40.0, start=i * 200) for i in range(6)]  # 3.50 yuan each at half fare
    priced = fares.price_day(TABLE, rides, "student")
    assert [p.fare_fen for p in priced] == [350, 350, 350, 350, 100, 0]
    assert sum(p.fare_fen for p in priced) == TABLE.daily_cap_fen
