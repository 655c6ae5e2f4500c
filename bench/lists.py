"""A resident's lists at 10k and at 1M rows: does each page stay flat as its table grows? (PostgreSQL)

``python -m bench.lists --database-url postgresql+psycopg://postgres@127.0.0.1:5432/yimatong_bench_lists``
migrates and seeds that database (its tables are dropped first) and gives the home bench's resident
(``bench/home.py``: a row in every domain) and the demo resident their own rows. Then, for each list
in :data:`LISTS` (``--lists`` picks some) and each size (10,000 and 1,000,000 by default; ``--sizes``),
it fills the list's table with OTHER people's rows up to that many — one ``INSERT ... SELECT`` over
``generate_series`` cloning the resident's own row with a new id, a new owner (one of 500 filler
people, or an account, plate or insured person nobody here has) and fresh values for the columns a
unique constraint holds — runs ``ANALYZE``, and reads the resident's first page (``limit=20``)
in-process (the app's test client, no HTTP server: the figure is the app and the database) after a
warm-up, in five rounds. It checks that the page holds as many items as before the fill (the
resident's own, and nobody else's), prints p50 (of every request) and CPU per request (the best
round's mean: a shared machine only adds to it) at each size and their ratios (target ≤ 1.3), and
the plan PostgreSQL chose at the largest size for the page's query (caught with a
``before_cursor_execute`` hook), with a verdict: ``index`` unless the plan scans the table or
filters away more than a thousand rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_RESIDENT = "+8613800000001"
FILLER_PEOPLE = 500
ROUNDS = 5  # CPU per request is the best round's: a shared machine only ever adds to it
OTHER = "others.ids[1 + g % array_length(others.ids, 1)]"  # one of the filler people, by row
NEWER = "now() - make_interval(secs => g)"  # other people's rows sort among and above the resident's
FILLER_IDS = "(SELECT array_agg(id) AS ids FROM people WHERE phone LIKE '+86139000%') AS others"


@dataclass(frozen=True)
class Clone:
    """Copies of one template row: ``overrides`` are SQL over the template ``t``, the row number ``g``
    and ``others.ids`` (the filler people); every other column is copied, ``id`` is a new uuid."""

    table: str
    template: str  # a WHERE over the table, :me being the resident's person id
    overrides: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListBench:
    name: str
    path: str  # the resident's first page
    clone: Clone
    before: tuple[Clone, ...] = ()  # rows each clone refers to, made first with the same g
    who: str = "resident"  # or "elder" (bench/home.py's), or "demo" (the demo resident)
    once: tuple[Clone, ...] = ()  # made once, 500 rows (g = 1..500), before the first fill

    def fill_sql(self, clone: Clone, columns: list[str], first: int, last: int) -> str:
        values = {"id": "gen_random_uuid()", "created_at": NEWER, **clone.overrides}
        select = ", ".join(values.get(column, f"t.{column}") for column in columns)
        # the table's own column names and this module's SQL, nothing from outside
        source = f"(SELECT * FROM {clone.table} WHERE {clone.template} LIMIT 1) AS t"  # noqa: S608
        rows = f"generate_series({first}, {last}) AS g, {FILLER_IDS}"
        into = f"INSERT INTO {clone.table} ({', '.join(columns)})"
        return f"{into} SELECT {select} FROM {source}, {rows}"  # noqa: S608


def _uuid(tag: str, number: str = "g") -> str:
    """A uuid derived from a tag and a row number: how a clone names the row it refers to."""
    return f"md5('{tag}-' || ({number})::text)::uuid"


LISTS: tuple[ListBench, ...] = (
    ListBench(
        "payments",
        "/api/v1/payments?limit=20",
        Clone(
            "payment_intents",
            "payer_id = :me",
            {
                "payer_id": OTHER,
                "initiated_by_id": OTHER,
                "idempotency_key": "'bench-' || g",
                "provider_ref": "'bench-' || g",
            },
        ),  # fmt: skip
    ),
    ListBench(
        "inbox",
        "/api/v1/me/inbox?limit=20",
        Clone("inbox_items", "person_id = :me", {"person_id": OTHER, "message_id": _uuid("bench-message")}),
        before=(
            Clone(
                "outbox_messages",
                "id IN (SELECT message_id FROM inbox_items WHERE person_id = :me)",
                {"id": _uuid("bench-message"), "recipient_id": OTHER, "dedupe_key": "'bench-' || g"},
            ),
        ),
        who="demo",  # the demo resident's five messages
    ),
    ListBench(
        "bills",
        "/api/v1/bills?limit=20",
        Clone(
            "bills",
            "account_number IN (SELECT account_number FROM utility_accounts WHERE person_id = :me)",
            {"account_number": "'77' || lpad((g % 100000)::text, 8, '0')", "bill_no": "'BENCH-' || g"},
        ),
    ),
    ListBench(
        "complaints",
        "/api/v1/complaints?limit=20",
        Clone(
            "complaints",
            "reporter_id = :me",
            {
                "reporter_id": OTHER,
                "tracking_number": "'BENCH' || lpad(g::text, 12, '0')",
                "id": _uuid("bench-complaint"),
            },
        ),  # fmt: skip
    ),
    ListBench(
        "parking stays",
        "/api/v1/parking/sessions?limit=20",
        Clone(
            "parking_sessions",
            "person_id = :me",
            {"person_id": OTHER, "plate": "'贵Z' || lpad((g % 100000)::text, 5, '0')"},
        ),
    ),
    ListBench(
        "violations",
        "/api/v1/violations?limit=20",
        Clone(
            "traffic_violations",
            "plate IN (SELECT number FROM parking_plates WHERE person_id = :me)",
            {"plate": "'贵Z' || lpad((g % 100000)::text, 5, '0')", "reference": "'BENCH-' || g"},
        ),
    ),
    ListBench(
        "appointments",
        "/api/v1/appointments?limit=20",
        Clone(
            "appointments",
            "person_id = :me",
            {
                "person_id": OTHER,
                "booked_by_id": "NULL",
                "confirmation_serial": "'B' || g",
                "status": "'cancelled'",
            },
        ),  # fmt: skip
    ),
    ListBench(
        "commerce orders",
        "/api/v1/commerce/orders?limit=20",
        Clone("commerce_orders", "person_id = :me", {"person_id": OTHER, "placed_by_id": OTHER}),
    ),
    ListBench(
        "transit trips",
        "/api/v1/transit/trips?limit=20",
        Clone("transit_trips", "person_id = :me", {"person_id": OTHER, "first_tap_id": "gen_random_uuid()"}),
    ),
    ListBench(
        "eldercare alerts",
        "/api/v1/eldercare/alerts?limit=20",
        Clone("elder_alerts", "person_id = :me", {"person_id": OTHER, "status": "'resolved'"}),
        who="elder",
    ),
    ListBench(
        "social-security records",
        "/api/v1/social-security/records?limit=20",
        Clone(
            "ss_records",
            "record_no LIKE 'HOME-%'",
            {
                "insured_id": _uuid("bench-insured", "1 + g % 500"),
                "record_no": "'BENCH-' || g",
                "batch_id": "t.batch_id",
            },
        ),  # fmt: skip
        once=(
            Clone(
                "ss_insured",
                "id IN (SELECT insured_id FROM ss_records WHERE record_no LIKE 'HOME-%')",
                {
                    "id": _uuid("bench-insured"),
                    "national_id_hash": "md5('bench-nid-' || g)",
                    "name_hash": "md5('bench-name-' || g)",
                },
            ),  # fmt: skip
        ),
    ),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database for this benchmark")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--lists", nargs="+", choices=[entry.name for entry in LISTS], metavar="LIST")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        sys.exit("bench/lists.py needs PostgreSQL (--database-url postgresql+psycopg://...)")
    os.environ.update(DATABASE_URL=args.database_url, ACCESS_TOKEN_TTL_SECONDS="3600")  # noqa: S106 - a lifetime
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))

    from flask_migrate import upgrade

    from app import create_app
    from app.core.demo import seed_demo
    from app.extensions import db
    from bench import home
    from bench.run import reset_database

    reset_database(args.database_url)
    app = create_app()
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
    home.seed()
    with app.app_context():
        people = _people(app)
    client = app.test_client()
    chosen = [entry for entry in LISTS if not args.lists or entry.name in args.lists]
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; sizes {args.sizes}", flush=True)
    rows = []
    for entry in chosen:
        rows.append(_bench(app, client, entry, people[entry.who], sorted(args.sizes), args.requests))
    print(f"\nload average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    print("\n| list | rows | p50 ms | CPU ms/req | rows | p50 ms | CPU ms/req ", end="")
    print("| p50 ratio | CPU ratio | plan |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for line in rows:
        print(line)


def _people(app) -> dict:
    """The token and person id of each reader, and the 500 filler people who own everyone else's rows."""
    from app.extensions import db
    from app.identity import services as identity
    from app.identity import tokens
    from bench import home

    for n in range(FILLER_PEOPLE):
        identity.get_or_create_person(f"+86139000{n:05d}")
    readers = {}
    phones = {"resident": home.RESIDENT_PHONE, "elder": home.ELDER_PHONE, "demo": DEMO_RESIDENT}
    for who, phone in phones.items():
        person = identity.person_by_phone(phone)
        token = tokens.issue_access_token(person, client_id="yimatong-app", scopes=("openid",))
        readers[who] = ({"Authorization": f"Bearer {token}"}, person.id)
    db.session.commit()
    return readers


def _bench(app, client, entry: ListBench, reader, sizes: list[int], requests: int) -> str:
    headers, person_id = reader
    own = _page(client, entry, headers)
    if not own:
        raise RuntimeError(f"{entry.name}: the reader has no rows of their own to clone")
    figures = {}
    with app.app_context():
        _fill_once(entry, person_id)
    for size in sizes:
        with app.app_context():
            filled = _fill_to(entry, person_id, size)
        figures[filled] = _measure(client, entry, headers, requests, len(own))
        p50, cpu = figures[filled]
        print(f"{entry.name:>24} {filled:>9,} rows: p50 {p50:6.2f} ms  cpu/req {cpu:5.2f} ms", flush=True)
    small, large = min(figures), max(figures)
    with app.app_context():
        plan = _plan(client, entry, headers)
    verdict = plan_verdict(plan, entry.clone.table)
    print(f"  plan at {large:,} ({verdict}):\n    " + "\n    ".join(plan.splitlines()), flush=True)
    (sp, sc), (lp, lc) = figures[small], figures[large]
    return (
        f"| {entry.name} | {small:,} | {sp:.2f} | {sc:.2f} | {large:,} | {lp:.2f} | {lc:.2f} "
        f"| {lp / sp:.2f} | {lc / sc:.2f} | {verdict} |"
    )


def _page(client, entry: ListBench, headers) -> list:
    response = client.get(entry.path, headers=headers)
    assert response.status_code == 200, (entry.path, response.get_json())
    return response.get_json()["items"]


def _execute(sql: str, person_id) -> None:
    from app.extensions import db

    db.session.execute(db.text(sql), {"me": person_id} if ":me" in sql else {})


def _columns(table: str) -> list[str]:
    from app.extensions import db

    return list(
        db.session.scalars(
            db.text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
                "AND table_schema = current_schema() ORDER BY ordinal_position"
            ),
            {"t": table},
        )
    )


def _fill_once(entry: ListBench, person_id) -> None:
    from app.extensions import db

    for clone in entry.once:
        _execute(entry.fill_sql(clone, _columns(clone.table), 1, FILLER_PEOPLE), person_id)
    db.session.commit()


def _fill_to(entry: ListBench, person_id, size: int) -> int:
    from app.extensions import db

    table = entry.clone.table
    have = db.session.scalar(db.text(f"SELECT count(*) FROM {table}"))  # noqa: S608 - our own table names
    if have < size:
        started = time.perf_counter()
        first, last = have + 1, size  # g numbers the clones: unique values grow with it
        for clone in (*entry.before, entry.clone):
            _execute(entry.fill_sql(clone, _columns(clone.table), first, last), person_id)
        if table == "complaints":  # the list reads a person's subscriptions: one per clone
            db.session.execute(
                db.text(
                    "INSERT INTO complaint_subscriptions (id, created_at, complaint_id, person_id) "
                    "SELECT gen_random_uuid(), c.created_at, c.id, c.reporter_id FROM complaints c "
                    "WHERE c.tracking_number BETWEEN :first AND :last"
                ),
                {"first": f"BENCH{first:012d}", "last": f"BENCH{last:012d}"},
            )
        db.session.commit()
        for clone in (*entry.before, entry.clone):
            db.session.execute(db.text(f"ANALYZE {clone.table}"))
        if table == "complaints":
            db.session.execute(db.text("ANALYZE complaint_subscriptions"))
        db.session.commit()
        print(f"  {table}: filled {size - have:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return db.session.scalar(db.text(f"SELECT count(*) FROM {table}"))  # noqa: S608 - our own table names


def _measure(client, entry: ListBench, headers, requests: int, own: int) -> tuple[float, float]:
    started = time.perf_counter()
    for _ in range(20):
        _page(client, entry, headers)
    if time.perf_counter() - started > 5:  # over 250 ms a page: the plan says why, a few will do
        requests = ROUNDS
    walls, cpus = [], []
    per_round = max(1, requests // ROUNDS)
    for _ in range(ROUNDS):
        cpu_started = time.process_time()
        for _ in range(per_round):
            started = time.perf_counter()
            items = _page(client, entry, headers)
            walls.append((time.perf_counter() - started) * 1000)
            assert len(items) == own, (
                f"{entry.name}: the resident's own {own}, and nobody else's ({len(items)})"
            )
        cpus.append((time.process_time() - cpu_started) * 1000 / per_round)
    return statistics.median(walls), min(cpus)


def _plan(client, entry: ListBench, headers) -> str:
    """EXPLAIN ANALYZE of the page's query: the statement naming the table with a LIMIT."""
    from sqlalchemy import event

    from app.extensions import db

    captured = []

    def keep(_conn, _cursor, statement, parameters, *_):
        if f"FROM {entry.clone.table}" in statement and "LIMIT" in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        _page(client, entry, headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    if not captured:
        return "(no statement with a LIMIT over the table was seen)"
    statement, parameters = captured[0]
    with db.engine.connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + statement, parameters)
        return "\n".join(row[0] for row in cursor.fetchall())


def plan_verdict(plan: str, table: str) -> str:
    """``index`` unless the plan reads the table whole or throws away more than a thousand rows."""
    if f"Seq Scan on {table}" in plan:
        return "SEQ SCAN"
    for line in plan.splitlines():
        if "Rows Removed by Filter:" in line and int(line.rsplit(":", 1)[1]) > 1000:
            return "FILTERS"
    return "index"


if __name__ == "__main__":
    main()
