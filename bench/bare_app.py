"""The baseline: a bare Flask app answering every GET with a small JSON document.

``gunicorn bench.bare_app:app`` serves it with the same settings as the real app, so the ratio
of an endpoint's requests/s to this one's is what the endpoint costs beyond Flask and gunicorn.

It also serves the floors (``bench/scenarios_floor.py``): the database work of a request's shape —
so many statements in so many transactions — done by bare Flask through the bare driver (psycopg,
one connection per worker, statements prepared as psycopg prepares the app's), with no kernel,
no ORM, no validation and no JSON schema. Its ratio to the baseline is the best a request of that
shape can do on this machine and this database, whatever the framework above it; only on
PostgreSQL (``DATABASE_URL``).
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

from flask import Flask, abort, request

app = Flask(__name__)

FLOOR_TABLE = "bench_floor_rows"
_READ = f"SELECT id, created_at, payload FROM {FLOOR_TABLE} WHERE id = %s"  # noqa: S608 - a constant
_WRITE = f"INSERT INTO {FLOOR_TABLE} (id, created_at, payload) VALUES (%s, %s, %s)"  # noqa: S608
MAX_STATEMENTS = 64
_connection: dict[str, object] = {}


@app.get("/")
def status():
    """A document the size of ``/healthz``'s."""
    return {"status": "ok", "checks": {}}


@app.get("/floor/read")
def floor_read():
    """``statements`` one-row reads by primary key, outside a transaction (as the app's reads run)."""
    statements = _count("statements", 2)
    connection = _database()
    row_id = _connection["row_id"]
    for _ in range(statements):
        row = connection.execute(_READ, (row_id,)).fetchone()
    return {"id": str(row[0]), "created_at": row[1].isoformat(), "statements": statements}


@app.post("/floor/write")
def floor_write():
    """``statements`` one-row inserts in ``commits`` transactions (spread evenly), each committed."""
    statements, commits = _count("statements", 1), _count("commits", 1)
    if commits > statements:
        abort(400, "commits > statements")
    connection = _database()
    now = datetime.now(UTC)
    done = 0
    for transaction in range(commits):
        share = statements // commits + (1 if transaction < statements % commits else 0)
        with connection.transaction():
            for _ in range(share):
                connection.execute(_WRITE, (uuid.uuid4(), now, f'{{"step": {done}}}'))
                done += 1
    return {"statements": done, "commits": commits}, 201


def _count(name: str, default: int) -> int:
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        abort(400, f"{name} must be a whole number")
    if not 1 <= value <= MAX_STATEMENTS:
        abort(400, f"{name} must be 1 to {MAX_STATEMENTS}")
    return value


def _database():
    """This worker's connection (autocommit, as the app's reads run), opened at its first floor."""
    connection = _connection.get("connection")
    if connection is not None:
        return connection
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        abort(404, "the floors run on PostgreSQL only (DATABASE_URL)")
    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True)
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(424242)")  # two workers, one CREATE TABLE
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} "
            "(id uuid PRIMARY KEY, created_at timestamptz NOT NULL, payload jsonb NOT NULL)"
        )
    row_id = uuid.uuid4()  # this worker's row to read
    connection.execute(_WRITE, (row_id, datetime.now(UTC), '{"read": true}'))
    _connection["row_id"] = row_id
    _connection["connection"] = connection
    return connection
