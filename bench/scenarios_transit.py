"""Transit's scenario: a metro gate's online tap (see bench/transit.py)."""

from bench.scenario import Scenario

SCENARIOS = (
    Scenario(
        "transit_tap",
        "/api/v1/transit/taps",
        method="POST",
        expect=200,
        prepare="bench.transit:tap_script",
        description="a gate's online tap: city code verified through identity (replay, scan log), the tap "
        "claimed by its id, the rider's day locked and its trips formed and priced",
    ),
)
