"""Social security's scenarios: a resident's history and summary (see bench/social_security.py)."""

from bench.scenario import Scenario

SCENARIOS = (
    Scenario(
        "ss_history",
        "/api/v1/social-security/records?scheme=pension&limit=20",
        phone="13800000001",
        description="a page of the demo resident's pension records: identity's ID hash, the insured, one "
        "index range scan on (insured, scheme, id) of current versions",
    ),
    Scenario(
        "ss_summary",
        "/api/v1/social-security/summary",
        phone="13800000001",
        description="the demo resident's summary: statuses, every contribution month, balances, loans",
    ),
)
