"""Parking's scenarios: gate events from an operator, and lots near a point (see bench/parking.py)."""

from bench.scenario import Scenario

SCENARIOS = (
    Scenario(
        "parking_gates",
        "/api/v1/operator/gate-events",
        method="POST",
        prepare="bench.parking:gate_script",
        description="an operator's gate event (entries and exits by turns, fresh event ids): the client "
        "token, the event claimed once, the stay opened or closed and priced, the lot's occupancy moved",
    ),
    Scenario(
        "parking_nearby",
        "/api/v1/parking/lots?near=26.5560,106.6905&radius=1000&stay_minutes=60",
        prepare="bench.parking:nearby_script",
        description="lots within 1 km, ranked, each with the price of an hour: the covering H3 cells' rows "
        "by index; PARKING_BENCH_LOTS sets how many lots the table holds (100 or 10000)",
    ),
)
