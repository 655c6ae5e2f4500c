"""The resident's scan log, written through a durable buffer when the deployment has Redis.

Without the buffer (the embedded default, no Redis; or ``CITYCODE_SCAN_BUFFER`` off) a scan is a row
added to the request's own transaction, as every other write: visible in the holder's history as soon
as the verification commits.

With the buffer, the verification does not write to the database at all. It claims the code's ``jti``
and appends the scan to a Redis stream in one round trip (a Lua script: ``SET NX`` then ``XADD`` with
the outcome the claim decided), and answers only after Redis has both. The scan carries the id it will
have as a row (a UUIDv7 made here, so the history keeps its order) and its time. A flusher (the
periodic job ``identity.flush_scans`` and ``flask identity flush-scans``) reads the stream as a
consumer group, inserts each batch with ``ON CONFLICT (id) DO NOTHING``, commits, and only then
acknowledges and deletes the entries. So:

* a scan that was answered is in Redis (with AOF, on its disk within ``appendfsync``'s second);
* a web node or flusher that dies at any point loses nothing: entries read but never acknowledged
  stay pending in the group and the next flusher claims them once they have been idle
  ``CITYCODE_SCAN_CLAIM_IDLE_SECONDS``;
* a batch written twice (committed, then the flusher died before acknowledging) is still one row per
  scan;
* the holder sees the scan in their history once a flusher has run after it: within
  ``CITYCODE_SCAN_FLUSH_SECONDS`` with the periodic job, at once behind ``flush-scans --follow``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from redis.exceptions import RedisError, ResponseError

from app.core.actors import Actor
from app.core.ids import new_id
from app.core.models import upsert_insert, utcnow
from app.core.uow import checkpoint
from app.extensions import db, get_redis
from app.identity.clients import client_name
from app.identity.errors import ReplayCheckUnavailable
from app.identity.models import CityCodeScan

log = logging.getLogger(__name__)

STREAM = "ymt:citycode:scans"
GROUP = "scan-log"
BATCH = 500

# KEYS: the jti's replay record, the stream. ARGV: its time to live, the scan without its outcome.
# The outcome is the claim's: accepted when the jti was new, replayed when it had been seen.
_CLAIM_AND_LOG = """
local fresh = redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1])
local outcome = 'replayed'
if fresh then outcome = 'accepted' end
redis.call('XADD', KEYS[2], '*', 'scan', ARGV[2], 'outcome', outcome)
if fresh then return 1 end
return 0
"""
_scripts: dict[int, object] = {}


def buffered() -> bool:
    """Scans go through the Redis stream (``CITYCODE_SCAN_BUFFER``; unset: whenever there is Redis)."""
    setting = current_app.config.get("CITYCODE_SCAN_BUFFER")
    if setting is None:
        setting = bool(current_app.config.get("REDIS_URL"))
    return bool(setting) and get_redis() is not None


@dataclass(frozen=True)
class Scanner:
    """Who scanned when it is a person at work rather than a machine client (a merchant's staff)."""

    id: str  # written as the scan's client id: ``merchant:<id>``
    name: str  # what the holder's scan log shows


def _scan(actor: Actor, person_id, purpose: str, jti: str, scanner: Scanner | None = None) -> dict:
    if scanner is not None:
        scanner_id, name = scanner.id, scanner.name
    else:
        scanner_id, name = actor.client_id or "", client_name(actor.client_id) or ""
    return {
        "id": new_id(),
        "created_at": utcnow(),
        "person_id": person_id,
        "client_id": scanner_id[:64],
        "client_name": name[:120],
        "purpose": purpose,
        "jti": jti[:64],
    }


def record(
    actor: Actor, person_id, purpose: str, jti: str, outcome: str, scanner: Scanner | None = None
) -> None:
    """Log a scan whose outcome is already decided (a refusal before the replay check, or no Redis)."""
    scan = _scan(actor, person_id, purpose, jti, scanner)
    if buffered():
        try:
            get_redis().xadd(_stream(), {"scan": _encoded(scan), "outcome": outcome})
            return
        except RedisError:
            log.warning("scan buffer unreachable: the scan is written with the request instead")
    db.session.add(CityCodeScan(**scan, outcome=outcome))


def claim_and_record(
    actor: Actor,
    person_id,
    purpose: str,
    jti: str,
    ttl: int,
    replay_key: str,
    scanner: Scanner | None = None,
) -> bool:
    """Claim ``jti`` and log the scan with the claim's outcome, in one round trip; True when accepted.

    Fails closed (503) when Redis does not answer, as the replay check always has.
    """
    scan = _scan(actor, person_id, purpose, jti, scanner)
    redis = get_redis()
    script = _scripts.get(id(redis))
    if script is None:
        script = _scripts[id(redis)] = redis.register_script(_CLAIM_AND_LOG)
    try:
        return bool(script(keys=[replay_key, _stream()], args=[ttl, _encoded(scan)]))
    except RedisError as exc:
        raise ReplayCheckUnavailable() from exc


def _stream() -> str:
    return current_app.config.get("CITYCODE_SCAN_STREAM") or STREAM


def _encoded(scan: dict) -> str:
    return json.dumps(
        {
            **scan,
            "id": str(scan["id"]),
            "person_id": str(scan["person_id"]),
            "created_at": scan["created_at"].isoformat(),
        },
        ensure_ascii=False,
    )


def _decoded(fields: dict) -> dict:
    scan = json.loads(fields[b"scan"])
    scan["id"] = uuid.UUID(scan["id"])
    scan["person_id"] = uuid.UUID(scan["person_id"])
    scan["created_at"] = datetime.fromisoformat(scan["created_at"])
    scan["outcome"] = fields[b"outcome"].decode()
    return scan


def _consumer() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _ensure_group(redis, stream: str) -> None:
    try:
        redis.xgroup_create(stream, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def flush(
    *, claim_idle_seconds: int | None = None, block_ms: int | None = None, max_batches: int = 100
) -> int:
    """Move buffered scans into the scan log; returns how many entries were written (replays included).

    First the entries another flusher read and never acknowledged (idle ``claim_idle_seconds``),
    then new ones, ``BATCH`` at a time: insert (a scan already there is left alone), commit, acknowledge.
    ``block_ms`` waits that long for new entries when there are none (``--follow``).
    """
    redis = get_redis()
    if redis is None:
        return 0
    stream = _stream()
    if not buffered() and not redis.exists(stream):
        return 0  # the buffer is off and nothing was left in it
    idle = (
        current_app.config["CITYCODE_SCAN_CLAIM_IDLE_SECONDS"]
        if claim_idle_seconds is None
        else claim_idle_seconds
    )
    _ensure_group(redis, stream)
    consumer = _consumer()
    written = 0
    for _ in range(max_batches):
        _, entries, *_ = redis.xautoclaim(stream, GROUP, consumer, min_idle_time=idle * 1000, count=BATCH)
        if not entries:
            read = redis.xreadgroup(GROUP, consumer, {stream: ">"}, count=BATCH, block=block_ms)
            entries = read[0][1] if read else []
            block_ms = None  # wait once per call at most
        entries = [(entry_id, fields) for entry_id, fields in entries if fields]
        if not entries:
            break
        written += _write(redis, stream, entries)
    return written


def _write(redis, stream: str, entries: list) -> int:
    rows = [_decoded(fields) for _, fields in entries]
    db.session.execute(upsert_insert(CityCodeScan).values(rows).on_conflict_do_nothing(index_elements=["id"]))
    checkpoint()  # the rows are committed before Redis forgets them
    ids = [entry_id for entry_id, _ in entries]
    redis.xack(stream, GROUP, *ids)
    redis.xdel(stream, *ids)
    return len(rows)


def backlog() -> int:
    """Scans waiting in the buffer (read or not); 0 without Redis."""
    redis = get_redis()
    if redis is None:
        return 0
    try:
        return int(redis.xlen(_stream()))
    except RedisError:
        return 0
