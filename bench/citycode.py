"""The online city-code verify scenario of ``bench/run.py``: fresh codes for a scanner to check.

Every verification spends its code (a replayed ``jti`` is refused), so :func:`verify_script` mints
enough codes for the whole run first (``python -m bench.citycode --count N`` in the app's
environment), for the demo resident, signed with the real city-code key, and writes them to a file
the wrk Lua script reads; each wrk thread walks its own share. Codes live at most 120 s, so the run
must fit in that window: run this scenario alone with the default warm-up, ``--rounds 3`` and
``--duration 10`` (the runner refuses a longer schedule). Each wrk run takes the next unused stretch
of codes, so no code is sent twice; the scan log (``citycode_scans.outcome``) shows whether every
verification was accepted.
"""

from __future__ import annotations

import argparse
import json
import math
import secrets
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNER = "demo-gate-scanner"
RESIDENT_PHONE = "+8613800000001"
MAX_VERIFICATIONS_PER_SECOND = 1000
CODE_LIFETIME = 120  # seconds, the longest a city code may live

VERIFY_SCRIPT = """
-- Each wrk run (warm-up, then every round) takes the next unused stretch of codes: the start of
-- that stretch is kept in a file next to the codes, since every run is a new wrk process.
local counter = 0
local base = 0
function setup(thread)
  if counter == 0 then  -- setup runs once per thread, in the main state only
    local f = io.open("%(file)s.offset", "r")
    if f then base = tonumber(f:read("*l")) or 0; f:close() end
    f = io.open("%(file)s.offset", "w")
    f:write(tostring(base + %(per_run)d)); f:close()
  end
  thread:set("slot", counter)
  thread:set("base", base)
  counter = counter + 1
end
function init(args)
  local slot = tonumber(wrk.thread:get("slot"))
  local first = tonumber(wrk.thread:get("base")) + slot * %(per_thread)d
  codes = {}
  local n = 0
  for line in io.lines("%(file)s") do
    n = n + 1
    if n > first and n <= first + %(per_thread)d then codes[#codes + 1] = line end
  end
  nxt = 1
end
function request()
  local code = codes[nxt] or codes[#codes]
  nxt = nxt + 1
  local headers = {}
  headers["Authorization"] = "Bearer %(token)s"
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", nil, headers, '{"code": "' .. code .. '", "purpose": "transit"}')
end
"""


def verify_script(env: dict, settings) -> str:
    """Mint codes for the whole run and return the wrk script that spends them one by one."""
    seconds = 2 * settings.warmup + 2 * settings.rounds * settings.duration
    if seconds + 40 > CODE_LIFETIME:
        raise RuntimeError(
            "citycode_verify must finish within a code's 120 s: run it alone with --rounds 3 --duration 10"
        )
    per_thread = MAX_VERIFICATIONS_PER_SECOND * max(settings.warmup, settings.duration) // settings.threads
    per_run = per_thread * settings.threads
    count = per_run * (settings.rounds + 3)  # warm-up, rounds, and the runner's checks
    codes_file = Path(tempfile.gettempdir()) / f"yimatong-citycodes-{secrets.token_hex(4)}.txt"
    command = [sys.executable, "-m", "bench.citycode", "--count", str(count), "--out", str(codes_file)]
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
        raise RuntimeError("minting city codes failed:\n" + "\n".join(done.stderr.splitlines()[-12:]))
    token = json.loads(done.stdout.strip().splitlines()[-1])["token"]
    print(f"  citycode_verify: {count} codes minted for the demo resident", flush=True)
    return VERIFY_SCRIPT % {"file": codes_file, "per_run": per_run, "per_thread": per_thread, "token": token}


def mint(count: int, out: Path) -> dict:
    """In the app: ``count`` codes of the demo resident, valid from now for 120 s, and a scanner token."""
    from app import create_app
    from app.extensions import db
    from app.identity import citycode, keys, services, tokens

    app = create_app()
    with app.app_context():
        person = services.person_by_phone(RESIDENT_PHONE)
        issued = math.floor(datetime.now(UTC).timestamp()) + 4  # within the verifier's 5 s of skew
        with out.open("w") as handle:
            for _ in range(count):
                claims = {
                    "sub": citycode.code_subject(person, issued),
                    "iat": issued,
                    "exp": issued + CODE_LIFETIME,
                    "jti": secrets.token_urlsafe(12),
                }
                handle.write(keys.sign(keys.CITYCODE, {}, claims, default_type=None) + "\n")
        token = tokens.issue_client_token(SCANNER, ["citycode:verify"])
        db.session.commit()
    return {"token": token}


def outcomes() -> dict:
    """In the app: flush the scan buffer (when there is one), then count the scan log by outcome.

    What the run measured is what this says: ``accepted`` verifications, not 200s (an expired or
    replayed code is also answered 200, with ``valid: false``).
    """
    import sqlalchemy as sa

    from app import create_app
    from app.core.uow import unit_of_work
    from app.extensions import db
    from app.identity import scanlog, services

    app = create_app()
    with app.app_context():
        flushed = 0
        while True:
            with unit_of_work():
                batch = services.flush_scan_buffer()
            flushed += batch
            if not batch:
                break
        counts = db.session.execute(
            sa.text("SELECT outcome, count(*) FROM citycode_scans GROUP BY outcome")
        ).all()
        return {"flushed_now": flushed, "left_in_buffer": scanlog.backlog(), **dict(counts)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Mint city codes for the citycode_verify scenario.")
    parser.add_argument("--count", type=int)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--outcomes", action="store_true", help="flush the scan buffer and count outcomes")
    arguments = parser.parse_args()
    print(json.dumps(outcomes() if arguments.outcomes else mint(arguments.count, arguments.out)))
