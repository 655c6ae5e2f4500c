"""Elder care's scenarios: the elder's profile, and a repeated SOS press (see bench/eldercare.py)."""

from bench.scenario import Scenario

SCENARIOS = (
    Scenario(
        "eldercare_profile",
        "/api/v1/eldercare/profile",
        phone="13800000009",
        description="the demo elder's profile: conditions decrypted, contacts (one selectin), no audit entry",
    ),
    Scenario(
        "eldercare_sos_again",
        "/api/v1/eldercare/alerts",
        method="POST",
        phone="13800000009",
        body='{"note": "bench"}',
        headers=("Content-Type: application/json",),
        expect=201,
        description="the demo elder presses SOS while her call is open (the probe raised it): the profile "
        "row locked, the active alert found, the press written to nobody's log (her own)",
    ),
)
