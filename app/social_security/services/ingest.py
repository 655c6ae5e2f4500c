"""Records in bulk: idempotent by the institution's record id; a changed record supersedes the last.

Each batch (one API request, or one chunk of an import file) is merged with a constant number of
statements: the insured people it names are found or added, the current versions of its records
are read in one query, superseded versions are marked in one UPDATE and new versions written in one
executemany INSERT. A record sent again unchanged is ``unchanged``; with other content and an
``as_of`` no older than the current version's it is ``corrected`` (version + 1, the old one kept);
with an older ``as_of`` it is refused as ``stale``. A record id twice in one batch (or one file) is
refused: corrections come in a later batch.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field

import psycopg
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from app.core.actors import Actor
from app.core.ids import new_id
from app.core.models import utcnow
from app.core.pii import lookup_hash
from app.extensions import db
from app.social_security.models import Insured, Record, Source, event_id, source_of
from app.social_security.services import alerts
from app.social_security.services._shared import source_for

ATTEMPTS = 5  # rounds a batch racing others for the same records is merged again
BATCH_SIZE = 2000  # rows merged at once (SQLite allows 32,766 bound parameters per statement)
CONTENT = (
    "kind",
    "scheme",
    "occurred_on",
    "status",
    "entry_type",
    "base_fen",
    "employer_fen",
    "personal_fen",
    "amount_fen",
    "balance_fen",
    "employer_code",
    "employer_name",
    "details",
)
REASONS = {
    "validation-failed": _l("Some fields are missing or invalid."),
    "wrong-institution": _l("This scheme's records are kept by the other institution."),
    "duplicate-in-batch": _l("The same record id appears twice; send a correction in a later batch."),
    "stale": _l("A newer version of this record is held (its as_of is later)."),
}


@dataclass
class IngestOutcome:
    """What a batch did: each accepted record and each refused one, with counts by result."""

    accepted: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    keep_accepted: bool = True

    def accept(self, index: int, row: dict, record_id: uuid.UUID, version: int, result: str) -> None:
        """Count an accepted record (and list it, for an API answer)."""
        self.counts[result] += 1
        if self.keep_accepted:
            self.accepted.append(
                {
                    "index": index,
                    "record_id": row["record_no"],
                    "id": record_id,
                    "version": version,
                    "result": result,
                }
            )

    def refuse(self, index: int, record_no: str | None, code: str, errors: dict | None = None) -> None:
        """Count and list a refused record, with why."""
        self.counts["refused"] += 1
        reason = str(REASONS.get(code, REASONS["validation-failed"]))
        self.refused.append(
            {"index": index, "record_id": record_no, "code": code, "reason": reason, "errors": errors}
        )


def ingest_records(
    actor: Actor, items: list[dict], invalid: list[tuple[int, str | None, dict]]
) -> IngestOutcome:
    """An institution's batch over the API: every item accepted (created, corrected, unchanged) or refused."""
    source = source_for(actor)
    outcome = IngestOutcome()
    for index, record_no, messages in invalid:
        outcome.refuse(index, record_no, "validation-failed", messages)
    merge(source, items, new_id(), outcome)
    outcome.refused.sort(key=lambda refusal: refusal["index"])
    outcome.accepted.sort(key=lambda accepted: accepted["index"])
    return outcome


def merge(source: Source, rows: list[dict], batch_id: uuid.UUID, outcome: IngestOutcome) -> None:
    """Merge one institution's validated rows (each with its ``index``) in batches; retried on a race.

    A batch that meets another writing the same record (or person) at the same moment is rolled back to
    its savepoint and merged again against what the other committed: each round, one of the racers wins.
    """
    for start in range(0, len(rows), BATCH_SIZE):
        chunk = rows[start : start + BATCH_SIZE]
        for attempt in range(1, ATTEMPTS + 1):
            trial = IngestOutcome(keep_accepted=outcome.keep_accepted)
            try:
                with db.session.begin_nested():
                    _merge_chunk(source, chunk, batch_id, trial)
                break
            except (IntegrityError, psycopg.IntegrityError):  # another batch wrote the same record or person
                if attempt == ATTEMPTS:
                    raise
        outcome.accepted += trial.accepted
        outcome.refused += trial.refused
        outcome.counts.update(trial.counts)


def _merge_chunk(source: Source, rows: list[dict], batch_id: uuid.UUID, outcome: IngestOutcome) -> None:
    mine = []
    for row in rows:
        if source_of(row["scheme"]) != source:
            outcome.refuse(row["index"], row["record_no"], "wrong-institution")
        else:
            mine.append(row)
    if not mine:
        return
    insured = _insured_ids(mine)
    current = _current_versions(source, [row["record_no"] for row in mine])
    watcher = alerts.BatchWatcher(mine, insured)
    now = utcnow()
    superseded, written, seen = [], [], set()
    for row in mine:
        insured_id = insured[lookup_hash(row["national_id"])]
        digest = _digest(row, insured_id)
        held = current.get(row["record_no"])
        if row["record_no"] in seen or (held is not None and held.batch_id == batch_id):
            outcome.refuse(row["index"], row["record_no"], "duplicate-in-batch")
            continue
        seen.add(row["record_no"])
        if held is not None and held.digest == digest:
            outcome.accept(row["index"], row, held.id, held.version, "unchanged")
            continue
        if held is not None and row["as_of"] < held.as_of:
            outcome.refuse(row["index"], row["record_no"], "stale")
            continue
        version = 1 if held is None else held.version + 1
        values = _values(source, row, insured_id, digest, version, batch_id, now)
        written.append(values)
        if held is not None:
            superseded.append(held.id)
        outcome.accept(row["index"], row, values["id"], version, "created" if held is None else "corrected")
        watcher.saw(row, values, held)
    if superseded:
        db.session.execute(
            update(Record).where(Record.id.in_(superseded)).values(is_current=False, superseded_at=now),
            execution_options={"synchronize_session": False},
        )
    if written:
        _write(written)
    watcher.send()


COPY_COLUMNS = (
    "id", "source", "record_no", "version", "is_current", "insured_id", *CONTENT, "year", "as_of", "digest",
    "batch_id", "received_at", "superseded_at",
)  # fmt: skip


def _write(rows: list[dict]) -> None:
    """Insert new versions: COPY on PostgreSQL (much faster than a multi-row INSERT), else executemany."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(Record), rows)
        return
    columns = ", ".join(COPY_COLUMNS)
    statement = f"COPY {Record.__tablename__} ({columns}) FROM STDIN"  # noqa: S608 - fixed names
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([_copy_value(name, row[name]) for name in COPY_COLUMNS])


def _copy_value(name: str, value):
    return json.dumps(value, ensure_ascii=False) if name == "details" else value


def _insured_ids(rows: list[dict]) -> dict[str, uuid.UUID]:
    """The insured id of every national ID in the rows, adding new people and taking the latest name."""
    latest: dict[str, dict] = {}
    for row in rows:
        latest[lookup_hash(row["national_id"])] = row
    found = {
        item.national_id_hash: item
        for item in db.session.execute(
            db.select(Insured.id, Insured.national_id_hash, Insured.name_hash).where(
                Insured.national_id_hash.in_(sorted(latest))
            )
        )
    }
    now = utcnow()
    added, renamed = [], []
    for id_hash, row in latest.items():
        name_hash = lookup_hash(row["name"])
        if id_hash not in found:
            added.append(
                {
                    "id": new_id(),
                    "created_at": now,
                    "updated_at": now,
                    "national_id": row["national_id"],
                    "national_id_hash": id_hash,
                    "name": row["name"],
                    "name_hash": name_hash,
                }
            )
        elif found[id_hash].name_hash != name_hash:
            renamed.append((found[id_hash].id, row["name"], name_hash))
    if added:
        db.session.execute(insert(Insured), added)
    for insured_id, name, name_hash in renamed:
        db.session.execute(
            update(Insured)
            .where(Insured.id == insured_id)
            .values(name=name, name_hash=name_hash, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    ids = {id_hash: item.id for id_hash, item in found.items()}
    ids.update({item["national_id_hash"]: item["id"] for item in added})
    return ids


def _current_versions(source: Source, record_nos: list[str]) -> dict[str, object]:
    columns = (Record.id, Record.record_no, Record.version, Record.digest, Record.as_of, Record.batch_id)
    stmt = db.select(*columns).where(
        Record.source == source, Record.record_no.in_(sorted(set(record_nos))), Record.is_current
    )
    return {row.record_no: row for row in db.session.execute(stmt)}


def _digest(row: dict, insured_id: uuid.UUID) -> str:
    content = [str(insured_id), *(row[name] for name in CONTENT)]
    text = json.dumps(content, default=str, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _values(source, row, insured_id, digest, version, batch_id, now) -> dict:
    values = {name: row[name] for name in CONTENT}
    values.update(
        id=event_id(row["occurred_on"]),
        source=source.value,
        record_no=row["record_no"],
        version=version,
        is_current=True,
        insured_id=insured_id,
        year=row["year"],
        as_of=row["as_of"],
        digest=digest,
        batch_id=batch_id,
        received_at=now,
        superseded_at=None,
    )
    return values
