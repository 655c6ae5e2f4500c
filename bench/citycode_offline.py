"""Offline city-code verifications per second on one core, as a gate scanner would do them.

Four figures, each from the same freshly signed codes, measured in interleaved slices, by the CPU time
of this process (a core's verifications per second; a busy machine's waits for a CPU are not in it):
  bare Ed25519: cryptography's Ed25519PublicKey.verify on the already-decoded signature and signed
                bytes, nothing else: the floor every other figure is divided by;
  gate (joserfc + JWKS): a scanner with only the published JWKS: signature and expiry, plain joserfc
                (jwt.decode with the key set, then the claims registry);
  gate (citycode.verify_offline + JWKS): the same check with the app's offline verifier: header,
                kid, signature, claim shapes and expiry, the signature by cryptography directly;
  service path: the checks the online verify endpoint runs before it touches the database
                (app.identity.citycode._verified_claims: header, kid, signature, claim shapes).
Run: .venv/bin/python bench/citycode_offline.py [--codes 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from joserfc import jwt  # noqa: E402
from joserfc.jwk import KeySet  # noqa: E402
from joserfc.jwt import JWTClaimsRegistry  # noqa: E402

from app import create_app  # noqa: E402
from app.core import clock  # noqa: E402
from app.extensions import db  # noqa: E402
from app.identity import citycode, keys  # noqa: E402
from app.identity.models import Person  # noqa: E402
from config import TestConfig  # noqa: E402


def _codes(count: int):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", REDIS_URL=None)
    with app.app_context():
        db.create_all()
        person = Person(phone="+8613800009999", display_name="bench")
        db.session.add(person)
        db.session.flush()
        # Every code minted at one frozen moment, checked as of a second later: minting thousands on a
        # busy machine takes longer than a code lives, and expired codes would measure refusals.
        moment = datetime.now(UTC)
        with clock.frozen(moment):
            codes = [citycode.issue_code(person, images=frozenset()).code for _ in range(count)]
        db.session.commit()
        return codes, keys.jwks(keys.CITYCODE), app, int(moment.timestamp()) + 1


def _rate(check, codes: list[str]) -> float:
    started = time.process_time()
    for code in codes:
        check(code)
    return len(codes) / (time.process_time() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="EdDSA is deprecated")
    codes, jwks, app, now = _codes(args.codes)
    keyset = KeySet.import_key_set(jwks)
    registry = JWTClaimsRegistry(now=now, exp={"essential": True})

    published = {key.kid: key for key in keyset.keys}
    signed = []
    for code in codes:
        header, payload, signature = code.split(".")
        signed.append((base64.urlsafe_b64decode(signature + "=="), f"{header}.{payload}".encode()))
    signer = json.loads(base64.urlsafe_b64decode(codes[0].split(".")[0] + "=="))["kid"]
    only = published[signer].public_key  # every code of the run is signed by the active key

    def bare(item) -> None:
        only.verify(*item)

    def gate(code: str) -> None:
        registry.validate(jwt.decode(code, keyset, algorithms=["EdDSA"]).claims)

    def gate_app(code: str) -> None:
        claims, reason = citycode.verify_offline(code, published, now)
        assert reason is None, reason

    def service(code: str) -> None:
        claims, reason = citycode._verified_claims(code)
        assert reason is None, reason

    checks = {
        "bare Ed25519": (bare, signed),
        "gate (joserfc + JWKS)": (gate, codes),
        "gate (verify_offline)": (gate_app, codes),
        "service path": (service, codes),
    }
    slice_size = max(1, args.codes // 10)
    with app.app_context():
        service(codes[0])  # warm the key cache
        results: dict[str, list[float]] = {name: [] for name in checks}
        ratios: dict[str, list[float]] = {name: [] for name in checks}
        for n in range(args.rounds):
            # Ten slices a round, every check on the same slice back to back (order turned each slice),
            # so a neighbour's burst lands on all of them alike; the round's rate is over its slices.
            spent = dict.fromkeys(checks, 0.0)
            for start in range(0, args.codes, slice_size):
                order = list(checks) if (n + start // slice_size) % 2 == 0 else list(reversed(checks))
                for name in order:
                    check, items = checks[name]
                    chunk = items[start : start + slice_size]
                    spent[name] += len(chunk) / _rate(check, chunk)
            for name in checks:
                results[name].append(args.codes / spent[name])
                ratios[name].append(spent["bare Ed25519"] / spent[name])
    print(
        f"offline city-code verifications per second, one core ({os.cpu_count()} cores here), "
        f"{args.rounds} rounds of {args.codes}, median [min-max], and ÷ bare Ed25519 in the same round:"
    )
    for name, rates in results.items():
        low, high = min(ratios[name]), max(ratios[name])
        print(
            f"  {name:24} {statistics.median(rates):8.0f}/s  [{min(rates):.0f}-{max(rates):.0f}]"
            f"   ÷ bare {statistics.median(ratios[name]):.2f} [{low:.2f}-{high:.2f}]"
        )
    print(f"  code size: {len(codes[0])} characters")


if __name__ == "__main__":
    main()
