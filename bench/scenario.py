"""What a benchmark scenario is: one request to measure, and which status proves it worked."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    """One request to measure: what to send and which status proves it worked."""

    name: str
    path: str
    method: str = "GET"
    phone: str | None = None  # a demo person whose access token is sent
    body: str | None = None
    headers: tuple[str, ...] = ()  # extra "Name: value" headers
    expect: int = 200
    description: str = ""
    # For requests that must differ one from the next (a payment needs a fresh bill and a fresh
    # Idempotency-Key each time): "module:function" called with the app's environment and the load
    # settings once the database is ready; it prepares the data and returns a wrk Lua script that
    # writes each request itself. Such a scenario is not probed; any error response stops the run.
    prepare: str | None = None
    # "app" (the real app) or "bare": a floor (bench/scenarios_floor.py) is served by the baseline's
    # own server, bare Flask doing a path's database work through the bare driver.
    served_by: str = "app"
