"""Social security's benchmarks: importing a million records, and a resident's history at 10k and 1M rows.

``python -m bench.social_security file --rows 1000000 --out /tmp/ss.csv`` writes an import file of
the bureau's monthly contributions: ``people`` residents (10,000 by default), each with months of
five schemes, valid national IDs and credit codes. ``... import FILE`` runs ``flask social-security
import`` on it against ``DATABASE_URL`` and prints rows/s (the command's own timing). The ``ss_history``
scenario of ``bench/run.py`` (``bench/scenarios_social_security.py``) reads the demo resident's
history; run it once on a database holding the demo only (about 10k rows after ``seed``) and once after
importing the million-row file, and compare the p50s.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
from pathlib import Path

from stdnum.cn import ric

ROOT = Path(__file__).resolve().parent.parent
SCHEMES = ("pension", "medical", "unemployment", "work_injury", "maternity")
RATES = {"pension": (1600, 800), "medical": (700, 200), "unemployment": (50, 50), "work_injury": (40, 0),
         "maternity": (80, 0)}  # fmt: skip
EMPLOYER = ("91520100MA6DKQ1A5C", "贵阳云岭科技有限公司")
COLUMNS = ("record_id", "kind", "national_id", "name", "scheme", "period", "base_fen", "employer_fen",
           "personal_fen", "employer_code", "employer_name", "as_of")  # fmt: skip


def national_ids(count: int):
    """``count`` distinct valid national IDs (Guiyang, born 1960-1999)."""
    made, serial = 0, 0
    while made < count:
        serial += 1
        born = f"{1960 + serial % 40}{1 + serial % 12:02d}{1 + serial % 28:02d}"
        base = f"520102{born}{serial // 40 % 1000:03d}"
        number = base + ric.calc_check_digit(base + "0")
        if ric.is_valid(number):
            made += 1
            yield f"B{serial:07d}", number


def write_file(path: Path, rows: int, people: int) -> int:
    """Monthly contributions of ``people`` residents, ``rows`` in all, back from 2025-12."""
    per_person = max(1, rows // people)
    months = -(-per_person // len(SCHEMES))
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for tag, number in national_ids(people):
            base = 500_000 + int(number[-5:-1]) * 10
            for back in range(months):
                index = 2025 * 12 + 11 - back
                period = f"{index // 12}-{index % 12 + 1:02d}"
                for scheme in SCHEMES:
                    if written >= rows:
                        return written
                    employer, personal = (base * rate // 10_000 for rate in RATES[scheme])
                    record_no = f"{tag}-{scheme}-{period}"
                    stated = "2026-01-05T10:00:00+08:00"
                    writer.writerow(
                        (
                            record_no,
                            "contribution",
                            number,
                            "测试居民",
                            scheme,
                            period,
                            base,
                            employer,
                            personal,
                        )
                        + (*EMPLOYER, stated)
                    )
                    written += 1
    return written


def main() -> None:
    """``file``: write an import file; ``import``: import one with the app's command and its timing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("file")
    make.add_argument("--rows", type=int, default=1_000_000)
    make.add_argument("--people", type=int, default=10_000)
    make.add_argument("--out", type=Path, required=True)
    load = commands.add_parser("import")
    load.add_argument("path", type=Path)
    args = parser.parse_args()
    if args.command == "file":
        print(f"{write_file(args.out, args.rows, args.people)} rows written to {args.out}")
        return
    env = {**os.environ, "FLASK_APP": "wsgi.py"}
    command = [
        str(ROOT / ".venv/bin/flask"),
        "social-security",
        "import",
        str(args.path),
        "--report",
        os.devnull,
    ]
    sys.exit(subprocess.run(command, cwd=ROOT, env=env, check=False).returncode)


if __name__ == "__main__":
    main()
