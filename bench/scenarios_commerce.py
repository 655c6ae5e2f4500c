"""Commerce's scenarios: the nearby search at a chosen table size, and an order (bench/commerce.py)."""

from bench.commerce import NEARBY_PATH
from bench.scenario import Scenario

SCENARIOS = (
    Scenario(
        "commerce_nearby",
        NEARBY_PATH,
        prepare="bench.commerce:nearby_script",
        description="verified merchants' listings within 1 km, nearest first "
        "(BENCH_COMMERCE_LISTINGS listings in the table)",
    ),
    Scenario(
        "commerce_order",
        "/api/v1/commerce/orders",
        method="POST",
        expect=201,
        prepare="bench.commerce:order_script",
        description="an order with a fresh Idempotency-Key: stock taken, the order and its payment written",
    ),
)
