"""The bill-payment scenario of ``bench/run.py``: fresh bills to pay, and a wrk script paying them.

``bench/run.py bill_pay --database-url postgresql+psycopg://...`` calls :func:`payment_script`
once the database is migrated and seeded. It runs this module in the app's environment
(``python -m bench.bills --count N``), which gives a bench resident a confirmed water account and
N unpaid bills whose ids follow a pattern (``<run>-0000-4000-8000-<counter>``), and prints the
resident's access token and the pattern. The wrk Lua script then sends, from each wrk thread, its own
run of those bills, one bill and one fresh ``Idempotency-Key`` per request, so every request does
the whole money path and answers 201; a reused bill would be a 409 and stop the run.
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_PHONE = "+8613900099990"
BENCH_ACCOUNT = "5201099992"
# More payments per second than this machine's app reaches, to size the supply of bills.
MAX_PAYMENTS_PER_SECOND = 600

PAY_SCRIPT = """
-- Each wrk run (warm-up, then every round) takes the next unused stretch of bills: the start of that
-- stretch is kept in a file, since every run is a new wrk process. Without it every run would begin
-- at the first bill again and be answered from the idempotency store instead of paying.
local counter = 0
local base = 0
function setup(thread)
  if counter == 0 then  -- setup runs once per thread, in the main state only
    local f = io.open("%(offsets)s", "r")
    if f then base = tonumber(f:read("*l")) or 0; f:close() end
    f = io.open("%(offsets)s", "w")
    f:write(tostring(base + %(per_run)d)); f:close()
  end
  thread:set("slot", counter)
  thread:set("base", base)
  counter = counter + 1
end
function init(args)
  first = tonumber(wrk.thread:get("base")) + tonumber(wrk.thread:get("slot")) * %(per_thread)d
  sent = 0
end
function request()
  sent = sent + 1
  local id = string.format("%(run)s-0000-4000-8000-%%012x", first + sent)
  local headers = {}
  headers["Authorization"] = "Bearer %(token)s"
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = "bench-" .. id
  return wrk.format("POST", nil, headers, '{"bill_ids": ["' .. id .. '"]}')
end
"""


def bill_id(run: str, number: int) -> uuid.UUID:
    """The id of bill ``number`` (from 1) of a run: the pattern the Lua script follows."""
    return uuid.UUID(f"{run}-0000-4000-8000-{number:012x}")


def payment_script(env: dict, settings) -> str:
    """Seed enough bills for the whole run (warm-up and rounds, every wrk thread) and write the script."""
    if not env.get("DATABASE_URL", "").startswith("postgresql"):
        raise RuntimeError("bill_pay needs PostgreSQL: give --database-url postgresql+psycopg://...")
    seconds = max(settings.warmup, settings.duration)
    per_thread = MAX_PAYMENTS_PER_SECOND * seconds // settings.threads + 100
    per_run = per_thread * settings.threads
    count = per_run * (settings.rounds + 2)  # the warm-up, the rounds, and one to spare
    command = [sys.executable, "-m", "bench.bills", "--count", str(count)]
    done = subprocess.run(  # noqa: S603 - this module, run in the app's environment
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError("seeding bills to pay failed:\n" + "\n".join(done.stderr.splitlines()[-12:]))
    seeded = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  bill_pay: {count} bills seeded for a bench resident", flush=True)
    offsets = Path(tempfile.gettempdir()) / f"yimatong-bills-{seeded['run']}.offset"
    print(f"  bill_pay: run {seeded['run']}; `python -m bench.bills --paid {seeded['run']}` counts its bills")
    return PAY_SCRIPT % {
        "per_thread": per_thread,
        "per_run": per_run,
        "offsets": offsets,
        "run": seeded["run"],
        "token": seeded["token"],
    }


def paid(run: str) -> dict:
    """In the app: how many of a run's bills were paid for (an intent claimed each), and how many not.

    Each request the run sent should be one intent: a replay answered from the idempotency store
    would make no intent, so requests served minus intents is what was not the work named.
    """
    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db

    app = create_app()
    with app.app_context():
        claimed = db.session.scalar(
            sa.text(
                "SELECT count(*) FROM payment_claims c JOIN bills b ON c.ref = b.id::text "
                "WHERE c.domain = 'bills' AND b.bill_no LIKE :run"
            ),
            {"run": f"BENCH-{run}-%"},
        )
        seeded = db.session.scalar(
            sa.text("SELECT count(*) FROM bills WHERE bill_no LIKE :run"), {"run": f"BENCH-{run}-%"}
        )
    return {"bills": seeded, "paid_for": claimed}


def seed(count: int) -> dict:
    """In the app: a bench resident, their confirmed water account, ``count`` unpaid bills; token and run."""
    import sqlalchemy as sa

    from app import create_app
    from app.bills import services as bills
    from app.bills.models import Bill, BillStatus
    from app.core.actors import Actor, ActorKind
    from app.core.models import utcnow
    from app.extensions import db
    from app.identity import services as identity
    from app.identity import tokens

    app = create_app()
    with app.app_context():
        payer, _ = identity.get_or_create_person(BENCH_PHONE, "压测居民")
        water = bills.biller_by_code("gy-water")
        as_payer = Actor(kind=ActorKind.PERSON, person_id=payer.id)
        if not any(a.account_number == BENCH_ACCOUNT for a in bills.list_accounts(as_payer)):
            bills.bind_account(as_payer, water.id, {"account_number": BENCH_ACCOUNT}, "压测居民")
        run = secrets.token_hex(4)
        now, due = utcnow(), bills.business_date() + timedelta(days=20)
        rows = [
            {
                "id": bill_id(run, number),
                "created_at": now,
                "biller_id": water.id,
                "bill_no": f"BENCH-{run}-{number}",
                "account_number": BENCH_ACCOUNT,
                "period": "2026-10",
                "amount_fen": 3_000 + number % 50,
                "currency": "CNY",
                "due_date": due,
                "line_items": [],
                "status": BillStatus.UNPAID,
            }
            for number in range(1, count + 1)
        ]
        for start in range(0, len(rows), 5_000):
            db.session.execute(sa.insert(Bill), rows[start : start + 5_000])
        token = tokens.issue_access_token(payer, client_id="bench", scopes=["openid"])
        db.session.commit()
        db.session.execute(sa.text("ANALYZE bills"))
        db.session.commit()
    return {"run": run, "token": token}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Seed unpaid bills for the bill_pay benchmark scenario.")
    parser.add_argument("--count", type=int)
    parser.add_argument("--paid", metavar="RUN", help="count how many of a run's bills were paid for instead")
    arguments = parser.parse_args()
    print(json.dumps(paid(arguments.paid) if arguments.paid else seed(arguments.count)))
