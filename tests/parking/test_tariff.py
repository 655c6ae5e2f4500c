"""The tariff engine, table-driven: free minutes, first hour, night and daily caps, passes, discounts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from app.core.calendar import SHANGHAI
from app.parking.tariff import Pass, Tariff, TariffInvalid, price_stay

# 07:00-22:00 at 2 yuan per half hour; 22:00-07:00 at 0.5 yuan per half hour, at most 5 yuan a night;
# the first hour 6 yuan; at most 40 yuan per 24 hours; 15 free minutes; new energy half price.
CITY = Tariff.from_data(
    {
        "unit_minutes": 30,
        "free_minutes": 15,
        "first_hour_fen": 600,
        "periods": [
            {"start": "07:00", "end": "22:00", "unit_fen": 200},
            {"start": "22:00", "end": "07:00", "unit_fen": 50, "cap_fen": 500},
        ],
        "daily_cap_fen": 4000,
        "new_energy_discount_pct": 50,
    }
)
# One hourly rate all day, nothing else.
FLAT = Tariff.from_data(
    {"unit_minutes": 60, "periods": [{"start": "00:00", "end": "00:00", "unit_fen": 300}]}
)
# Roadside: 15-minute units by day, free at night, 20 yuan a day at most.
ROADSIDE = Tariff.from_data(
    {
        "unit_minutes": 15,
        "free_minutes": 15,
        "periods": [
            {"start": "08:00", "end": "20:00", "unit_fen": 100},
            {"start": "20:00", "end": "08:00", "unit_fen": 0},
        ],
        "daily_cap_fen": 2000,
    }
)
MONTHLY = Pass(date(2026, 12, 1), date(2026, 12, 31))
NEW_YEAR_1AM = datetime(2027, 1, 1, 1, tzinfo=SHANGHAI)
NIGHTS_ONLY = Pass(date(2026, 12, 1), date(2026, 12, 31), (time(19, 0), time(8, 0)))


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 12) -> datetime:
    """A moment in Asia/Shanghai, December 2026 unless told."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=SHANGHAI)


CASES = [
    # (name, tariff, entered, exited, new energy, passes, expected fee in fen)
    ("zero length", CITY, at(1, 10), at(1, 10), False, (), 0),
    ("exit before entry", CITY, at(1, 10), at(1, 9), False, (), 0),
    ("ten minutes free", CITY, at(1, 10), at(1, 10, 10), False, (), 0),
    ("exactly the free minutes", CITY, at(1, 10), at(1, 10, 15), False, (), 0),
    ("one second past the free minutes", CITY, at(1, 10), at(1, 10, 15, 1), False, (), 600),
    ("sixteen minutes: the first hour", CITY, at(1, 10), at(1, 10, 16), False, (), 600),
    ("exactly one hour", CITY, at(1, 10), at(1, 11), False, (), 600),
    ("one hour and a minute", CITY, at(1, 10), at(1, 11, 1), False, (), 800),
    ("two hours", CITY, at(1, 10), at(1, 12), False, (), 1000),
    ("afternoon of five hours", CITY, at(1, 13), at(1, 18), False, (), 600 + 8 * 200),
    ("daily cap reached mid-stay", CITY, at(1, 8), at(1, 21), False, (), 4000),
    ("evening into the night rate", CITY, at(1, 21), at(1, 23), False, (), 600 + 2 * 50),
    ("night rate crossing midnight", CITY, at(1, 23), at(2, 1), False, (), 600 + 2 * 50),
    ("night cap reached", CITY, at(1, 22), at(2, 7), False, (), 600 + 500),
    ("night then morning", CITY, at(1, 23), at(2, 9), False, (), 600 + 500 + 4 * 200),
    ("two nights and a day: caps per night and per day", CITY, at(1, 22), at(3, 7), False, (), 4000 + 500),
    ("exactly 24 hours from 10:00", CITY, at(1, 10), at(2, 10), False, (), 4000),
    ("24 hours and one minute", CITY, at(1, 10), at(2, 10, 1), False, (), 4000 + 200),
    ("three full days", CITY, at(1, 10), at(4, 10), False, (), 3 * 4000),
    ("crossing the month end", CITY, at(30, 23, month=11), at(1, 1), False, (), 600 + 2 * 50),
    ("new energy, half off", CITY, at(1, 10), at(1, 12), True, (), 500),
    ("new energy, odd fen rounded half up", FLAT, at(1, 10), at(1, 11), True, (), 300),
    ("new energy, within free minutes", CITY, at(1, 10), at(1, 10, 5), True, (), 0),
    ("monthly pass covers all", CITY, at(1, 10), at(1, 18), False, (MONTHLY,), 0),
    ("monthly pass ends with its last day", CITY, at(31, 23), NEW_YEAR_1AM, False, (MONTHLY,), 2 * 50),
    ("night permit, out by 08:00", CITY, at(1, 19), at(2, 8), False, (NIGHTS_ONLY,), 0),
    ("night permit, stay into the day", CITY, at(1, 19), at(2, 10), False, (NIGHTS_ONLY,), 4 * 200),
    ("night permit does not cover a day stay", CITY, at(1, 10), at(1, 12), False, (NIGHTS_ONLY,), 1000),
    ("flat hourly, a started hour counts", FLAT, at(1, 10), at(1, 11, 1), False, (), 600),
    ("flat hourly, no free minutes", FLAT, at(1, 10), at(1, 10, 1), False, (), 300),
    ("flat hourly over a week", FLAT, at(1, 0), at(8, 0), False, (), 7 * 24 * 300),
    ("roadside: fifteen-minute units", ROADSIDE, at(1, 9), at(1, 9, 40), False, (), 300),
    ("roadside: free at night", ROADSIDE, at(1, 20), at(2, 8), False, (), 0),
    ("roadside: evening stay half free", ROADSIDE, at(1, 19), at(1, 21), False, (), 400),
    ("roadside: daily cap", ROADSIDE, at(1, 8), at(1, 20), False, (), 2000),
    ("roadside: over the cap across two days", ROADSIDE, at(1, 8), at(2, 12), False, (), 2000 + 1600),
]


@pytest.mark.parametrize(
    ("name", "tariff", "entered", "exited", "green", "passes", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_price_of_a_stay(name, tariff, entered, exited, green, passes, expected):
    """Each stay costs what the tariff's rules say."""
    quote = price_stay(tariff, entered, exited, new_energy=green, passes=passes)
    assert quote.fee_fen == expected, name


def test_at_least_thirty_cases():
    """The table keeps its breadth."""
    assert len(CASES) >= 30


def test_utc_inputs_are_read_in_shanghai():
    """Times given in UTC are priced by Shanghai's clock: 14:30 UTC is 22:30 there, the night rate."""
    from datetime import UTC

    entered = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
    quote = price_stay(CITY, entered, entered + timedelta(hours=3))
    assert quote.fee_fen == 600 + 4 * 50


def test_naive_times_are_refused():
    """A stay is priced between aware datetimes only."""
    with pytest.raises(ValueError, match="aware"):
        price_stay(CITY, datetime(2026, 12, 1, 10), datetime(2026, 12, 1, 11))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"periods": []}, "periods"),
        ({"periods": [{"start": "07:00", "end": "22:00", "unit_fen": 100}]}, "periods"),
        (
            {
                "periods": [
                    {"start": "00:00", "end": "12:00", "unit_fen": 100},
                    {"start": "11:00", "end": "00:00", "unit_fen": 100},
                ]
            },
            "periods",
        ),
        ({"periods": [{"start": "25:00", "end": "00:00", "unit_fen": 100}]}, "periods.0"),
        ({"periods": [{"start": "00:00", "end": "00:00", "unit_fen": -1}]}, "periods.0.unit_fen"),
        ({"unit_minutes": 0, "periods": [{"start": "00:00", "end": "00:00", "unit_fen": 1}]}, "unit_minutes"),
        (
            {"new_energy_discount_pct": 101, "periods": [{"start": "00:00", "end": "00:00", "unit_fen": 1}]},
            "new_energy_discount_pct",
        ),
    ],
)
def test_a_broken_tariff_is_refused(data, field):
    """Gaps, overlaps, bad times and out-of-range numbers are named."""
    with pytest.raises(TariffInvalid) as caught:
        Tariff.from_data(data)
    assert field in caught.value.errors


def test_stored_form_round_trips():
    """What is stored reads back as the same tariff."""
    assert Tariff.from_data(CITY.to_data()) == CITY


# --- a new version of the tariff taking effect during a stay ----------------------------------------

# The flat hourly rate goes from 3 to 4 yuan at noon on the 1st.
DEARER = Tariff.from_data(
    {"unit_minutes": 60, "periods": [{"start": "00:00", "end": "00:00", "unit_fen": 400}]}
)
# The city tariff with a night capped at 3 yuan instead of 5.
CHEAPER_NIGHTS = Tariff.from_data(
    {**CITY.to_data(), "periods": [
        {"start": "07:00", "end": "22:00", "unit_fen": 200},
        {"start": "22:00", "end": "07:00", "unit_fen": 50, "cap_fen": 300},
    ]}
)  # fmt: skip
# The flat rate, now at most 10 yuan per 24 hours.
CAPPED = Tariff.from_data({**FLAT.to_data(), "daily_cap_fen": 1000})
# Half-hour units at 1 yuan, with 30 free minutes.
HALF_HOURS = Tariff.from_data(
    {"unit_minutes": 30, "free_minutes": 30, "periods": [{"start": "00:00", "end": "00:00", "unit_fen": 100}]}
)

NOON = [(at(1, 12), DEARER)]  # the dearer hourly rate from noon on the 1st
CHANGE_CASES = [
    # (name, tariff at entry, changes, entered, exited, new energy, expected fen)
    ("left before the change: the old price", FLAT, NOON, at(1, 10), at(1, 11, 30), False, 600),
    ("entered at the change: the new price", FLAT, NOON, at(1, 12), at(1, 14), False, 800),
    ("each version for its part", FLAT, NOON, at(1, 10), at(1, 14), False, 2 * 300 + 2 * 400),
    ("a part's started unit counts whole", FLAT, NOON, at(1, 11, 30), at(1, 12, 30), False, 300 + 400),
    ("left at the change: the new price never counts", FLAT, NOON, at(1, 10), at(1, 12), False, 600),
    ("a change after the exit is not seen", FLAT, [(at(2, 0), DEARER)], at(1, 10), at(1, 14), False, 1200),
    ("a change before the entry prices it all", DEARER, [(at(1, 8), FLAT)], at(1, 10), at(1, 12), False, 600),
    (
        "two changes, three parts",
        FLAT, [(at(1, 12), DEARER), (at(1, 14), FLAT)], at(1, 10), at(1, 16), False, 600 + 800 + 600,
    ),
    (
        "the entry's free minutes judge the whole stay",
        HALF_HOURS, [(at(1, 10, 10), FLAT)], at(1, 10), at(1, 10, 30), False, 0,
    ),
    (
        "beyond the entry's free minutes both parts count",
        HALF_HOURS, [(at(1, 10, 10), FLAT)], at(1, 10), at(1, 10, 40), False, 100 + 300,
    ),
    (
        "a night cap is each version's own",
        CITY, [(at(2, 0), CHEAPER_NIGHTS)], at(1, 22), at(2, 7), False, 600 + 2 * 50 + 300,
    ),
    (
        "the daily cap counts what the old version spent",
        FLAT, [(at(1, 12), CAPPED)], at(1, 8), at(1, 20), False, 4 * 300,
    ),
    (
        "the new version's daily cap bounds the next 24 hours",
        FLAT, [(at(1, 12), CAPPED)], at(1, 8), at(2, 20), False, 4 * 300 + 1000,
    ),
    (
        "the first hour is charged once, across the change",
        CITY, [(at(1, 10, 30), CITY)], at(1, 10), at(1, 11), False, 600,
    ),
    ("new energy: each version's discount", CITY, [(at(1, 11), FLAT)], at(1, 10), at(1, 12), True, 300 + 300),
    (
        "a midnight change on a multi-day stay",
        ROADSIDE, [(at(2, 0), DEARER)], at(1, 19), at(2, 2), False, 400 + 2 * 400,
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "tariff", "changes", "entered", "exited", "green", "expected"),
    CHANGE_CASES,
    ids=[c[0] for c in CHANGE_CASES],
)
def test_price_of_a_stay_across_a_tariff_change(name, tariff, changes, entered, exited, green, expected):
    """A stay crossing a new version of the tariff is priced by each version for its part."""
    quote = price_stay(tariff, entered, exited, new_energy=green, changes=changes)
    assert quote.fee_fen == expected, name
    if quote.fee_fen:
        assert ("tariff_changed" in quote.notes) == any(entered < moment < exited for moment, _ in changes)


def test_without_changes_the_price_is_the_one_version():
    """A lot that never changed its tariff prices as before."""
    for name, tariff, entered, exited, green, passes, expected in CASES:
        quote = price_stay(tariff, entered, exited, new_energy=green, passes=passes, changes=())
        assert quote.fee_fen == expected, name
