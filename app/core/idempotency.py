"""Idempotency keys: a request that can move money runs once per caller and key; repeats replay it.

The one way for every domain: decorate the route with ``@blp.idempotent()`` (inside ``@blp.auth``,
outside ``@blp.arguments``/``@blp.response``), or wrap the work in :func:`run_once` where there is no
route (the bot, jobs). Services below do not check keys again: what they guard is their own
invariant (a purpose paid by one intent at a time, a seat held once), not the request.

* one key scope: :func:`caller_of` (a person, a proxy for a principal, a client, the system);
* one fingerprint recipe: :func:`fingerprint_of`, SHA-256 of the canonical JSON of what was asked;

* the first request with a key claims it (committed at once, so concurrent requests see it);
* its response (status, body, content type and location) is stored when it completes;
* the same key with the same method, path and body replays that response (``Idempotent-Replayed: true``);
* the same key with anything else is refused (422); while the first is in flight, 409;
* a refused request (a problem document) releases the key, so it can be retried once fixed;
* keys are kept ``IDEMPOTENCY_KEY_TTL_HOURS`` (never under 24 h) and then purged.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Response, current_app, g, request
from sqlalchemy import JSON, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core import uow
from app.core.actors import Actor, ActorKind
from app.core.errors import (
    IdempotencyKeyInFlight,
    IdempotencyKeyInvalid,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
)
from app.core.ids import new_id
from app.core.models import IdMixin, UTCDateTime, upsert_insert, utcnow
from app.core.validation import load_json
from app.extensions import db

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
MIN_TTL = timedelta(hours=24)
STORED_HEADERS = ("Content-Type", "Location")
IN_FLIGHT, COMPLETED = "in_flight", "completed"

HEADER_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": True,
    "description": (
        "A unique value per operation (e.g. a UUID). Retrying with the same key and body returns the "
        "first response; the same key with another body is refused (422); while the first request is "
        "in progress a retry gets 409. Keys are kept at least 24 hours."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[\x21-\x7e]+$"},
}


class IdempotencyRecord(IdMixin, db.Model):
    """One caller's use of one key: the request's fingerprint and, once done, the response."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("caller", "key"),)

    caller: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(12), default=IN_FLIGHT)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    response_headers: Mapped[dict | None] = mapped_column(JSON)


@dataclass(frozen=True)
class Claim:
    """This request holds the key: do the work, then :func:`complete` or :func:`release`."""

    record_id: uuid.UUID
    key: str


@dataclass(frozen=True)
class StoredResponse:
    """The first response given for a key, to be replayed."""

    status: int
    body: bytes
    headers: dict

    def to_response(self) -> Response:
        """The stored response, marked as a replay."""
        response = Response(self.body, status=self.status)
        for name, value in self.headers.items():
            response.headers[name] = value
        response.headers[REPLAYED_HEADER] = "true"
        return response


def caller_of(actor: Actor) -> str:
    """Whose key space a request uses: keys are unique per caller, never across callers."""
    if actor.kind is ActorKind.CLIENT:
        return f"client:{actor.client_id}"
    if actor.kind is ActorKind.PROXY:
        return f"proxy:{actor.person_id}:{actor.principal_id}"
    if actor.kind is ActorKind.PERSON:
        return f"person:{actor.person_id}"
    return "system"


def check_key(key: str | None) -> str:
    """The key as given, or 400 when it is missing or malformed."""
    if key is None:
        raise IdempotencyKeyMissing()
    if not KEY_PATTERN.match(key):
        raise IdempotencyKeyInvalid()
    return key


def fingerprint_of(request_value) -> str:
    """The one recipe: SHA-256 of the canonical JSON of what was asked (keys sorted, no spaces)."""
    canonical = json.dumps(
        request_value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()  # refused later, not 500


def fingerprint(method: str, path: str, body: bytes) -> str:
    """An HTTP request's fingerprint: method, path and body (JSON compared by content, not layout)."""
    try:
        content = {"json": load_json(body)}  # bounded: too deep or too long numbers are a 400
    except (ValueError, UnicodeDecodeError):
        content = {"bytes": hashlib.sha256(body).hexdigest()}
    return fingerprint_of({"method": method.upper(), "path": path, **content})


def begin(
    caller: str, key: str, request_fingerprint: str, *, method: str, path: str, now: datetime | None = None
) -> Claim | StoredResponse:
    """Claim ``key`` for this request (committed at once), or return the response to replay.

    Call it before any other work of the transaction: it commits the session.
    """
    check_key(key)
    now = now or utcnow()
    for _attempt in range(3):
        claim = _insert_claim(caller, key, request_fingerprint, method, path, now)
        if claim is not None:
            return claim
        existing = db.session.scalar(
            db.select(IdempotencyRecord).where(
                IdempotencyRecord.caller == caller, IdempotencyRecord.key == key
            )
        )
        if existing is not None:
            return _outcome_for(existing, request_fingerprint, now)
    raise IdempotencyKeyInFlight()


def _insert_claim(caller, key, request_fingerprint, method, path, now) -> Claim | None:
    # One statement: the database settles a race for the key (no savepoint, nothing read back).
    record_id = db.session.scalar(
        upsert_insert(IdempotencyRecord)
        .values(
            id=new_id(),
            created_at=now,
            caller=caller,
            key=key,
            fingerprint=request_fingerprint,
            method=method.upper(),
            path=path[:255],
            state=IN_FLIGHT,
            locked_at=now,
        )
        .on_conflict_do_nothing(index_elements=["caller", "key"])
        .returning(IdempotencyRecord.id)
    )
    if record_id is None:
        return None
    db.session.commit()
    return Claim(record_id=record_id, key=key)


def _outcome_for(
    existing: IdempotencyRecord, request_fingerprint: str, now: datetime
) -> Claim | StoredResponse:
    if existing.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused()
    if existing.state == COMPLETED:
        return StoredResponse(
            status=existing.response_status or 200,
            body=existing.response_body or b"",
            headers=dict(existing.response_headers or {}),
        )
    lock = timedelta(seconds=current_app.config["IDEMPOTENCY_LOCK_SECONDS"])
    if existing.locked_at > now - lock:
        raise IdempotencyKeyInFlight()
    # The request that claimed the key died without an answer: take the key over, once.
    taken = db.session.execute(
        db.update(IdempotencyRecord)
        .where(
            IdempotencyRecord.id == existing.id,
            IdempotencyRecord.state == IN_FLIGHT,
            IdempotencyRecord.locked_at == existing.locked_at,
        )
        .values(locked_at=now)
    ).rowcount
    db.session.commit()
    if not taken:
        raise IdempotencyKeyInFlight()
    return Claim(record_id=existing.id, key=existing.key)


def complete(claim: Claim, status: int, body: bytes, headers: dict, now: datetime | None = None) -> None:
    """Store the response given for the claimed key, in the unit of work that did the work."""
    db.session.execute(
        db.update(IdempotencyRecord)
        .where(IdempotencyRecord.id == claim.record_id)
        .values(
            state=COMPLETED,
            completed_at=now or utcnow(),
            response_status=status,
            response_body=body,
            response_headers={k: v for k, v in headers.items() if k in STORED_HEADERS},
        )
    )
    uow.on_rollback(lambda: release(claim))  # the work was not kept: neither is the key


def release(claim: Claim) -> None:
    """Give the key up after a refused or failed request, so it can be retried (its own commit)."""
    db.session.rollback()
    db.session.execute(db.delete(IdempotencyRecord).where(IdempotencyRecord.id == claim.record_id))
    db.session.commit()


def run_once(actor: Actor, key: str, request_value: dict, work: Callable[[], dict]) -> dict:
    """Off the web (the bot, a job): run ``work`` at most once per caller and key.

    ``request_value`` is what was asked (fingerprinted with :func:`fingerprint_of`); ``work``
    returns a JSON-able result (ids, not objects), which a repeat with the same key gets back.
    The same key with another request is refused (422); while the first runs, 409.
    """
    outcome = begin(
        caller_of(actor), check_key(key), fingerprint_of(request_value), method="RUN", path=work.__qualname__
    )
    if isinstance(outcome, StoredResponse):
        return json.loads(outcome.body)
    try:
        result = work()
    except Exception:
        release(outcome)
        raise
    complete(outcome, 200, json.dumps(result, default=str).encode(), {})
    return result


def purge_expired(now: datetime | None = None) -> int:
    """Delete keys older than the retention period (never under 24 h); returns how many."""
    ttl = max(timedelta(hours=current_app.config["IDEMPOTENCY_KEY_TTL_HOURS"]), MIN_TTL)
    cutoff = (now or utcnow()) - ttl
    result = db.session.execute(db.delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    return result.rowcount


def current_key() -> str:
    """The Idempotency-Key of the request being served by an idempotent route."""
    return g.idempotency_key


def idempotent(view, *, actor_of: Callable[[], Actor]):
    """Route decorator: require an Idempotency-Key and run the view at most once per caller and key."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = check_key(request.headers.get(HEADER))
        outcome = begin(
            caller_of(actor_of()),
            key,
            fingerprint(request.method, request.full_path.rstrip("?"), request.get_data(cache=True)),
            method=request.method,
            path=request.path,
        )
        if isinstance(outcome, StoredResponse):
            return outcome.to_response()
        g.idempotency_key = key
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except Exception:
            release(outcome)
            raise
        if response.status_code >= 500:
            release(outcome)
            return response
        complete(outcome, response.status_code, response.get_data(), dict(response.headers))
        return response

    return wrapper
