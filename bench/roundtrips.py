"""Round trips to PostgreSQL per request of a few hot paths, counted in the server's own statement log.

A round trip is a context switch to the database and back; on a machine whose cores PostgreSQL shares
with the workers it costs more than the Python around it. Run against a copy of a seeded bench
database with statement logging on (the log must be readable here)::

    createdb -h 127.0.0.1 -U postgres -T yimatong_bench yimatong_bench_rt
    psql -h 127.0.0.1 -U postgres -c "ALTER DATABASE yimatong_bench_rt SET log_statement='all'"
    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/yimatong_bench_rt
    REDIS_URL=redis://127.0.0.1:6379/12 CITYCODE_SCAN_BUFFER=1 .venv/bin/python -m bench.roundtrips
    TRANSACTION_AT_FIRST_WRITE=0 DATABASE_PING_IDLE_SECONDS=0 ...   # the same, as before the change
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from werkzeug.test import EnvironBuilder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from bench import citycode as bc  # noqa: E402

LOG = Path(os.environ.get("POSTGRES_LOG", "/var/log/postgresql/postgresql-15-main.log"))
REQUESTS = 5


def main() -> None:
    app = create_app()
    database = app.config["SQLALCHEMY_DATABASE_URI"].rsplit("/", 1)[-1]
    codes_file = Path(tempfile.gettempdir()) / f"yimatong-roundtrip-codes-{os.getpid()}.txt"
    with app.app_context():
        from app.extensions import db
        from app.identity import tokens
        from app.identity.models import Person

        person = db.session.execute(db.select(Person).where(Person.phone == bc.RESIDENT_PHONE)).scalar_one()
        resident = tokens.issue_access_token(person, client_id="yimatong-app", scopes=["openid", "profile"])
        scanner = bc.mint(REQUESTS + 1, codes_file)["token"]
        db.session.remove()
    codes = codes_file.read_text().split()
    codes_file.unlink()

    def request(path: str, method: str = "GET", body: str | None = None, token: str = resident) -> str:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        environ = EnvironBuilder(path=path, method=method, data=body, headers=headers).get_environ()
        status: list[str] = []
        b"".join(app.wsgi_app(environ, lambda s, _h, _e=None: status.append(s)))
        return status[0]

    def scan(i: int) -> str:
        body = json.dumps({"code": codes[i], "purpose": "transit"})
        return request("/api/v1/citycode/verify", "POST", body, scanner)

    cases = {
        "GET /api/v1/me": lambda _i: request("/api/v1/me"),
        "GET /api/v1/bills?status=unpaid": lambda _i: request("/api/v1/bills?status=unpaid"),
        "POST /api/v1/citycode/verify (transit)": scan,
    }
    for name, send in cases.items():
        assert send(0).startswith("200"), name  # warm: keys, reference data, the pool
        start = LOG.stat().st_size
        for i in range(1, REQUESTS + 1):
            assert send(i).startswith("200"), name
        time.sleep(0.5)  # the server writes its log asynchronously
        logged = LOG.read_bytes()[start:].decode(errors="replace").splitlines()
        kinds: dict[str, int] = {}
        for line in logged:
            if " LOG:  " not in line or f"@{database} " not in line:
                continue
            text = line.split("LOG:  ", 1)[1]
            text = text.split(": ", 1)[1] if text.startswith(("statement", "execute")) else text
            kind = (text.split() or ["?"])[0].upper()
            kinds[kind] = kinds.get(kind, 0) + 1
        total = sum(kinds.values()) / REQUESTS
        detail = ", ".join(f"{kind} {count / REQUESTS:g}" for kind, count in sorted(kinds.items()))
        print(f"{name}: {total:g} round trips per request ({detail})")


if __name__ == "__main__":
    main()
