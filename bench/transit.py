"""The transit tap scenario of ``bench/run.py``: a gate verifies a fresh city code and writes the tap.

Like ``citycode_verify`` (bench/citycode.py), every tap spends its code, so :func:`tap_script` mints
the codes for the whole run first (``python -m bench.transit --count N``), spread over ``RIDERS``
bench riders so that each rider's day holds a realistic handful of taps, and writes them to a file
the wrk Lua script reads; each request sends the next code with a tap id of its own to the demo
metro gate ``M1-DGG-IN``. Codes live at most 120 s: run it alone with ``--rounds 3 --duration 10``.
A tap is: the scanner's token, the gate, the tap claimed by its id, identity's online verification
(signature, expiry, revocation, replay, scan log), the code digest compared, the rider's day locked
and formed again, the fare priced.
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
RIDERS = 1000
MAX_TAPS_PER_SECOND = 400  # far above what two sync workers take here
CODE_LIFETIME = 120

TAP_SCRIPT = """
local counter = 0
local base = 0
function setup(thread)
  if counter == 0 then
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
  first = tonumber(wrk.thread:get("base")) + slot * %(per_thread)d
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
  local tap = "%(run)s-" .. tostring(first + nxt)
  nxt = nxt + 1
  local headers = {}
  headers["Authorization"] = "Bearer %(token)s"
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", nil, headers,
    '{"gate": "M1-DGG-IN", "tap_id": "' .. tap .. '", "kind": "entry", "code": "' .. code .. '"}')
end
"""


def tap_script(env: dict, settings) -> str:
    """Mint codes for the whole run (over the bench riders) and return the wrk script that taps them."""
    seconds = 2 * settings.warmup + 2 * settings.rounds * settings.duration
    if seconds + 40 > CODE_LIFETIME:
        raise RuntimeError(
            "transit_tap must finish within a code's 120 s: run it alone with --rounds 3 --duration 10"
        )
    per_thread = MAX_TAPS_PER_SECOND * max(settings.warmup, settings.duration) // settings.threads
    per_run = per_thread * settings.threads
    count = per_run * (settings.rounds + 3)
    codes_file = Path(tempfile.gettempdir()) / f"yimatong-taps-{secrets.token_hex(4)}.txt"
    command = [sys.executable, "-m", "bench.transit", "--count", str(count), "--out", str(codes_file)]
    done = subprocess.run(  # noqa: S603 - this module, run in the app's environment
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError("minting city codes failed:\n" + "\n".join(done.stderr.splitlines()[-12:]))
    token = json.loads(done.stdout.strip().splitlines()[-1])["token"]
    print(f"  transit_tap: {count} codes minted for {RIDERS} riders", flush=True)
    return TAP_SCRIPT % {
        "file": codes_file, "per_run": per_run, "per_thread": per_thread, "token": token,
        "run": secrets.token_hex(4),
    }  # fmt: skip


def mint(count: int, out: Path) -> dict:
    """In the app: the demo network, ``RIDERS`` riders, ``count`` codes over them, a scanner token."""
    from app import create_app
    from app.extensions import db
    from app.identity import citycode, keys, services, tokens
    from app.transit import demo

    app = create_app()
    with app.app_context():
        demo.seed_network(SCANNER)
        riders = [services.get_or_create_person(f"+86139{n:08d}", f"乘客{n}")[0] for n in range(RIDERS)]
        issued = math.floor(datetime.now(UTC).timestamp()) + 4
        with out.open("w") as handle:
            for n in range(count):
                claims = {
                    "sub": citycode.code_subject(riders[n % RIDERS], issued),
                    "iat": issued,
                    "exp": issued + CODE_LIFETIME,
                    "jti": secrets.token_urlsafe(12),
                }
                handle.write(keys.sign(keys.CITYCODE, {}, claims, default_type=None) + "\n")
        token = tokens.issue_client_token(SCANNER, ["citycode:verify"])
        db.session.commit()
    return {"token": token}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Mint city codes for the transit_tap scenario.")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args()
    print(json.dumps(mint(arguments.count, arguments.out)))
