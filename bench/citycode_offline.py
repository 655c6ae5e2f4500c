"""Offline city-code verifications per second on one core, as a gate scanner would do them.

Two figures, each from the same freshly signed codes:
  gate (joserfc + JWKS): a scanner with only the published JWKS: signature and expiry, plain joserfc;
  service path: the checks the online verify endpoint runs before it touches the database
                (app.identity.citycode._verified_claims: header, kid, signature, claim shapes).
Run: .venv/bin/python bench/citycode_offline.py [--codes 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from joserfc import jwt  # noqa: E402
from joserfc.jwk import KeySet  # noqa: E402
from joserfc.jwt import JWTClaimsRegistry  # noqa: E402

from app import create_app  # noqa: E402
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
        codes = [citycode.issue_code(person).code for _ in range(count)]
        db.session.commit()
        return codes, keys.jwks(keys.CITYCODE), app


def _rate(check, codes: list[str]) -> float:
    started = time.perf_counter()
    for code in codes:
        check(code)
    return len(codes) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="EdDSA is deprecated")
    codes, jwks, app = _codes(args.codes)
    keyset = KeySet.import_key_set(jwks)
    registry = JWTClaimsRegistry(exp={"essential": True})

    def gate(code: str) -> None:
        registry.validate(jwt.decode(code, keyset, algorithms=["EdDSA"]).claims)

    def service(code: str) -> None:
        claims, reason = citycode._verified_claims(code)
        assert reason is None, reason

    with app.app_context():
        service(codes[0])  # warm the key cache
        results = {"gate (joserfc + JWKS)": [], "service path": []}
        for _ in range(args.rounds):
            results["gate (joserfc + JWKS)"].append(_rate(gate, codes))
            results["service path"].append(_rate(service, codes))
    print(
        f"offline city-code verifications per second, one core ({os.cpu_count()} cores here), "
        f"{args.rounds} rounds of {args.codes}, median [min-max]:"
    )
    for name, rates in results.items():
        print(f"  {name:22} {statistics.median(rates):8.0f}/s  [{min(rates):.0f}-{max(rates):.0f}]")
    print(f"  code size: {len(codes[0])} characters")


if __name__ == "__main__":
    main()
