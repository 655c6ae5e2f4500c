"""Parking's scenarios of ``bench/run.py``: gate events per second, and nearby lots at 100 and 10,000 lots.

``parking_gates`` posts gate events as the demo operator's gate would: each wrk thread drives its own
plates in and out of a bench lot (an entry, then its exit two hours later, each with a fresh event
id), so every request records an event, opens or closes a stay, prices it and moves the lot's
occupancy. :func:`gate_script` registers the lot and the operator's token first (``python -m
bench.parking gates`` in the app's environment); each wrk run (warm-up, every round) takes the next
stretch of event ids from a counter file, so no id is sent twice.

``parking_nearby`` asks for lots within a kilometre of Huaguoyuan. :func:`nearby_script` adds bench
lots until the table holds ``PARKING_BENCH_LOTS`` (100 by default) of them: always the same 20 within
800 m of the centre, the rest spread over the province far from it. Run it once with 100 and once
(on a fresh database) with 10000, and compare the p50s: the query reads the covering cells' rows
only, so the figure should not follow the table's size.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPERATOR = "demo-parking-operator"
GATE_LOT = "bench-gates"
CENTRE = (26.5560, 106.6905)
NEAR_LOTS = 20
MAX_EVENTS_PER_SECOND = 2000
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # a plate's city letter (no I or O)

GATE_SCRIPT = """
local counter = 0
local base = 0
function setup(thread)
  if counter == 0 then
    local f = io.open("%(file)s", "r")
    if f then base = tonumber(f:read("*l")) or 0; f:close() end
    f = io.open("%(file)s", "w")
    f:write(tostring(base + %(per_run)d)); f:close()
  end
  thread:set("slot", counter)
  thread:set("base", base)
  counter = counter + 1
end
function init(args)
  slot = tonumber(wrk.thread:get("slot"))
  first = tonumber(wrk.thread:get("base")) + slot * %(per_thread)d
  letter = string.sub("%(letters)s", slot %% 24 + 1, slot %% 24 + 1)
  sent = 0
end
function request()
  local n = first + sent
  sent = sent + 1
  local pair = math.floor(n / 2)
  local direction, at = "entry", "%(entered)s"
  if n %% 2 == 1 then direction, at = "exit", "%(exited)s" end
  local plate = "\\232\\180\\181" .. letter .. string.format("%%05d", pair %% 100000)
  local headers = {}
  headers["Authorization"] = "Bearer %(token)s"
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", nil, headers, '{"event_id": "%(run)s-' .. n .. '", "lot_code": "%(lot)s", '
    .. '"direction": "' .. direction .. '", "plate": "' .. plate .. '", "gate": "B1", '
    .. '"occurred_at": "' .. at .. '"}')
end
"""

NEARBY_SCRIPT = """
function request()
  return wrk.format("GET", "/api/v1/parking/lots?near=%(lat)s,%(lng)s&radius=1000&stay_minutes=60")
end
"""


def _in_app(*args: str, env: dict) -> dict:
    command = [sys.executable, "-m", "bench.parking", *args]
    done = subprocess.run(  # noqa: S603 - this module, run in the app's environment
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    if done.returncode != 0:
        raise RuntimeError("preparing parking failed:\n" + "\n".join(done.stderr.splitlines()[-12:]))
    return json.loads(done.stdout.strip().splitlines()[-1])


def gate_script(env: dict, settings) -> str:
    """Register the bench lot and the operator's token; the wrk script driving plates in and out."""
    seeded = _in_app("gates", env=env)
    per_thread = MAX_EVENTS_PER_SECOND * max(settings.warmup, settings.duration) // settings.threads
    if settings.threads > len(LETTERS):
        raise RuntimeError(f"parking_gates drives at most {len(LETTERS)} threads' plates")
    counter = Path(tempfile.gettempdir()) / f"yimatong-gates-{seeded['run']}.offset"
    entered = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    print(f"  parking_gates: lot {GATE_LOT} ready for the operator's events", flush=True)
    return GATE_SCRIPT % {
        "file": counter,
        "per_run": per_thread * settings.threads,
        "per_thread": per_thread,
        "letters": LETTERS,
        "entered": entered.isoformat(),
        "exited": (entered + timedelta(hours=2)).isoformat(),
        "token": seeded["token"],
        "run": seeded["run"],
        "lot": GATE_LOT,
    }


def nearby_script(env: dict, settings) -> str:
    """Fill the table to PARKING_BENCH_LOTS lots (20 near the centre); the wrk script asking near it."""
    count = int(os.environ.get("PARKING_BENCH_LOTS", "100"))
    seeded = _in_app("lots", "--count", str(count), env=env)
    print(f"  parking_nearby: {seeded['lots']} bench lots ({NEAR_LOTS} near the centre)", flush=True)
    return NEARBY_SCRIPT % {"lat": CENTRE[0], "lng": CENTRE[1]}


def _tariff() -> dict:
    return {
        "unit_minutes": 30,
        "free_minutes": 15,
        "first_hour_fen": 500,
        "periods": [
            {"start": "07:00", "end": "22:00", "unit_fen": 150},
            {"start": "22:00", "end": "07:00", "unit_fen": 50, "cap_fen": 500},
        ],
        "daily_cap_fen": 3000,
    }


def _lot_fields(index: int, point, capacity: int = 200) -> dict:
    return {
        "names": {
            "zh_Hans": f"压测停车场{index}",
            "zh_Hant": f"壓測停車場{index}",
            "en": f"Bench car park {index}",
        },
        "operator_client_id": OPERATOR,
        "capacity": capacity,
        "point": point,
        "tariff": _tariff(),
    }


def seed_gates() -> dict:
    """In the app: the bench lot of the demo operator, and the operator's token."""
    from app import create_app
    from app.core.actors import Actor
    from app.core.geo import Point
    from app.extensions import db
    from app.identity import tokens
    from app.parking import services as parking

    app = create_app()
    with app.app_context():
        parking.save_lot(Actor.system(), GATE_LOT, _lot_fields(0, Point(26.50, 106.60), capacity=1_000_000))
        token = tokens.issue_client_token(OPERATOR, [parking.WRITE_SCOPE])
        db.session.commit()
    return {"token": token, "run": secrets.token_hex(4)}


def seed_lots(count: int) -> dict:
    """In the app: bench lots up to ``count``: 20 within 800 m of the centre, the rest far from it."""
    from app import create_app
    from app.core.actors import Actor
    from app.extensions import db
    from app.parking import services as parking
    from app.parking.models import ParkingLot

    app = create_app()
    with app.app_context():
        have = db.session.scalar(
            db.select(db.func.count()).select_from(ParkingLot).where(ParkingLot.code.like("bench-lot-%"))
        )
        for index in range(have, count):
            parking.save_lot(Actor.system(), f"bench-lot-{index}", _lot_fields(index, _point(index)))
            if index % 500 == 0:
                db.session.commit()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE parking_lots"))
            db.session.commit()
    return {"lots": max(have, count)}


def _point(index: int):
    """Lot ``index``: the first 20 on a ring within 800 m of the centre, the others 5-150 km away."""
    from app.core.geo import Point

    if index < NEAR_LOTS:
        angle, metres = index * 2 * math.pi / NEAR_LOTS, 100 + 35 * index
    else:
        angle, metres = index * 2.399963, 5_000 + (index * 7919) % 145_000  # the golden angle spreads them
    lat = CENTRE[0] + metres * math.cos(angle) / 111_320
    lng = CENTRE[1] + metres * math.sin(angle) / (111_320 * math.cos(math.radians(CENTRE[0])))
    return Point(lat, lng)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Prepare parking's benchmark scenarios.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("gates")
    lots = commands.add_parser("lots")
    lots.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    print(json.dumps(seed_gates() if args.command == "gates" else seed_lots(args.count)))
