"""Appointments' benchmarks: booking one slot under contention, and a day's slots at 10k and 1M slots.

``appointment_book`` (PostgreSQL only): :func:`booking_script` runs ``python -m bench.appointments
book --people N`` in the app's environment, which publishes a bench hospital with one slot of N seats
(no real name needed) and N residents, and writes one access token a line to a file; the wrk script
sends each request as the next resident of its thread with a fresh ``Idempotency-Key``, so all 32
connections contend for the same slot's row lock and every request books (201). Afterwards
``python -m bench.appointments check`` prints the slot's seats against its bookings: ``oversold``
must be 0.

``appointment_slots``: :func:`slots_script` runs ``... slots --total N`` (``BENCH_APPOINTMENT_SLOTS``,
10,000 by default), which adds bench services and slots until the table holds N, and the script reads
one service's day. Run it at 10,000 and again at 1,000,000 on the same database and compare the p50s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from datetime import datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_CLIENT = "bench-hospital"
MAX_BOOKINGS_PER_SECOND = 600  # more than this machine's app reaches, to size the supply of residents
SLOTS_PER_DAY = 20
DAYS = 50

BOOK_SCRIPT = """
local counter = 0
function setup(thread)
  thread:set("slot", counter)
  counter = counter + 1
end
function init(args)
  index = tonumber(wrk.thread:get("slot"))
  tokens = {}
  local n = 0
  for line in io.lines("%(path)s") do
    if n %% %(threads)d == index then tokens[#tokens + 1] = line end
    n = n + 1
  end
  sent = 0
end
function request()
  sent = sent + 1
  local headers = {}
  headers["Authorization"] = "Bearer " .. tokens[sent]
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = "bench-%(run)s-" .. index .. "-" .. sent
  return wrk.format("POST", nil, headers, '{"slot_id": "%(slot)s"}')
end
"""

SLOTS_SCRIPT = """
function request()
  return wrk.format("GET", "/api/v1/appointments/slots?service_id=%(service)s&date=%(day)s", nil, nil)
end
"""


def _run(env: dict, *args: str) -> dict:
    done = subprocess.run(  # noqa: S603 - this module, run in the app's environment
        [sys.executable, "-m", "bench.appointments", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError("seeding appointments failed:\n" + "\n".join(done.stderr.splitlines()[-12:]))
    return json.loads(done.stdout.strip().splitlines()[-1])


def booking_script(env: dict, settings) -> str:
    """Seed a slot with a seat for every request of the run, and residents to take them; the script."""
    if not env.get("DATABASE_URL", "").startswith("postgresql"):
        raise RuntimeError("appointment_book needs PostgreSQL: give --database-url postgresql+psycopg://...")
    seconds = settings.warmup + settings.rounds * settings.duration
    people = MAX_BOOKINGS_PER_SECOND * seconds + 100 * settings.threads
    path = Path(tempfile.gettempdir()) / f"bench-appointment-tokens-{os.getpid()}.txt"
    seeded = _run(env, "book", "--people", str(people), "--tokens", str(path))
    print(f"  appointment_book: one slot of {people} seats, {people} residents", flush=True)
    return BOOK_SCRIPT % {
        "path": path,
        "threads": settings.threads,
        "run": seeded["run"],
        "slot": seeded["slot"],
    }


def slots_script(env: dict, settings) -> str:
    """Seed slots up to ``BENCH_APPOINTMENT_SLOTS``; the script reading one service's day."""
    total = int(env.get("BENCH_APPOINTMENT_SLOTS", os.environ.get("BENCH_APPOINTMENT_SLOTS", "10000")))
    seeded = _run(env, "slots", "--total", str(total))
    print(f"  appointment_slots: {seeded['slots']} slots in the table", flush=True)
    return SLOTS_SCRIPT % seeded


def _bench_provider(kind: str = "hospital"):
    from app.appointments import services
    from app.appointments.models import Provider
    from app.core.actors import Actor, ActorKind
    from app.core.geo import Point
    from app.extensions import db

    actor = Actor(kind=ActorKind.CLIENT, client_id=BENCH_CLIENT, scopes=frozenset({"appointments:write"}))
    provider = db.session.scalar(db.select(Provider).where(Provider.client_id == BENCH_CLIENT))
    if provider is None:
        provider = services.create_provider(
            actor,
            kind=kind,
            names={"zh_Hans": "压测医院"},
            address="",
            location=Point(26.57, 106.71),
            rules={"real_name": False, "per_day": 100, "per_week": 100, "per_provider": 100},
        )
    return actor, provider


def seed_booking(people: int, tokens_path: Path) -> dict:
    """In the app: a bench hospital, one slot of ``people`` seats, ``people`` residents and their tokens."""
    import sqlalchemy as sa

    from app import create_app
    from app.appointments import services
    from app.core.calendar import business_date
    from app.extensions import db
    from app.identity import tokens
    from app.identity.models import Person

    app = create_app()
    with app.app_context():
        actor, provider = _bench_provider()
        service = services.add_service(
            actor, provider.id, names={"zh_Hans": f"抢号门诊{uuid.uuid4().hex[:6]}"}
        )
        day = business_date() + timedelta(days=2)
        services.publish_schedule(
            actor, service.id, day_start="08:00", day_end="08:30", slot_minutes=30, seats=people,
            weekdays=list(range(7)), valid_from=day, valid_until=day,
        )  # fmt: skip
        slot = services.day_slots(day=day, service_id=service.id, provider_id=None, available=True)[0]
        run = uuid.uuid4().hex[:8]
        prefix = int(run, 16) % 100
        people_rows = [Person(phone=f"+8617{prefix:02d}{n:07d}", display_name="压测") for n in range(people)]
        db.session.add_all(people_rows)
        db.session.flush()  # ids assigned; tokens before the commit, which would expire every row
        with tokens_path.open("w") as out:
            for person in people_rows:
                out.write(tokens.issue_access_token(person, client_id="bench", scopes=["openid"]) + "\n")
        db.session.commit()
        db.session.execute(sa.text("ANALYZE appointments"))
        db.session.commit()
        return {"run": run, "slot": str(slot.id)}


def check() -> dict:
    """In the app: every bench slot's seats against its bookings (oversold must be 0)."""
    from app import create_app
    from app.appointments.models import Appointment, Provider, Slot
    from app.extensions import db

    app = create_app()
    with app.app_context():
        slots = db.session.scalars(
            db.select(Slot)
            .join(Provider, Provider.id == Slot.provider_id)
            .where(Provider.client_id == BENCH_CLIENT)
        ).all()
        booked = {
            slot.id: db.session.scalar(
                db.select(db.func.count()).where(
                    Appointment.slot_id == slot.id, Appointment.status == "booked"
                )
            )
            for slot in slots
            if slot.booked
        }
        oversold = sum(max(count - slot.capacity, 0) for slot in slots for count in [booked.get(slot.id, 0)])
        mismatched = sum(1 for slot in slots if booked.get(slot.id, 0) != slot.booked)
        return {"bookings": sum(booked.values()), "oversold": oversold, "counter_mismatches": mismatched}


def seed_slots(total: int) -> dict:
    """In the app: bench services with 20 slots a day for 50 days, until the table holds ``total``."""
    import sqlalchemy as sa

    from app import create_app
    from app.appointments import services
    from app.appointments.models import Schedule, Slot
    from app.core.calendar import SHANGHAI, business_date
    from app.extensions import db

    app = create_app()
    with app.app_context():
        actor, provider = _bench_provider()
        first_day = business_date() + timedelta(days=1)
        target = None
        while (held := db.session.scalar(sa.select(sa.func.count()).select_from(Slot))) < total:
            service = services.add_service(
                actor, provider.id, names={"zh_Hans": f"压测科室{uuid.uuid4().hex[:6]}"}
            )
            schedule = Schedule(
                service_id=service.id, weekdays=list(range(7)), working_days_only=False, day_start="08:00",
                day_end="18:00", breaks=[], slot_minutes=30, buffer_minutes=0, seats=5, valid_from=first_day,
                valid_until=first_day + timedelta(days=DAYS - 1),
            )  # fmt: skip
            db.session.add(schedule)
            db.session.flush()
            count = min(total - held, SLOTS_PER_DAY * DAYS)
            rows = []
            for n in range(count):
                day, index = first_day + timedelta(days=n // SLOTS_PER_DAY), n % SLOTS_PER_DAY
                start = datetime.combine(day, time(8), SHANGHAI) + timedelta(minutes=30 * index)
                rows.append({
                    "id": uuid.uuid4(), "created_at": start, "service_id": service.id,
                    "provider_id": provider.id, "schedule_id": schedule.id, "starts_at": start,
                    "ends_at": start + timedelta(minutes=30), "capacity": 5, "booked": 0, "held": 0,
                    "withdrawn": False,
                })  # fmt: skip
            db.session.execute(sa.insert(Slot), rows)
            db.session.commit()
            target = target or service.id
        target = target or db.session.scalar(
            sa.select(Slot.service_id).where(Slot.provider_id == provider.id).limit(1)
        )
        db.session.execute(sa.text("ANALYZE appointment_slots"))
        db.session.commit()
        return {
            "service": str(target),
            "day": (first_day + timedelta(days=DAYS // 2)).isoformat(),
            "slots": held,
        }


def main() -> None:
    """``book``, ``slots`` or ``check``, in the app's environment."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    book = commands.add_parser("book")
    book.add_argument("--people", type=int, required=True)
    book.add_argument("--tokens", type=Path, required=True)
    slots = commands.add_parser("slots")
    slots.add_argument("--total", type=int, default=10_000)
    commands.add_parser("check")
    args = parser.parse_args()
    if args.command == "book":
        print(json.dumps(seed_booking(args.people, args.tokens)))
    elif args.command == "slots":
        print(json.dumps(seed_slots(args.total)))
    else:
        print(json.dumps(check()))


if __name__ == "__main__":
    main()
