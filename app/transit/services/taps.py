"""Taps from gate scanners: online one by one, or uploaded later in batches by offline gates.

A tap is first claimed by its ``(client, tap_id)`` — a retry, a duplicate sent at the same moment or a
batch uploaded twice finds the tap already there and gets it back — and only then is its city code
verified through identity (purpose ``transit``). A code already seen (by identity's replay check, or
the same code at another tap) is flagged: kept for review, charged to nobody.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.actors import Actor
from app.core.calendar import business_date
from app.core.models import add_new, utcnow
from app.core.views import WithFacts, with_facts
from app.extensions import db
from app.identity import services as identity
from app.transit.errors import TapTimeRefused, UnknownGate
from app.transit.models import Tap, TapOutcome, TransitGate
from app.transit.services import trips

PURPOSE = "transit"
OFFLINE_MAX_AGE = timedelta(days=7)
CLOCK_SKEW = timedelta(minutes=5)
MAX_BATCH = 500


@dataclass(frozen=True)
class TapRequest:
    """One tap as a gate sends it."""

    gate: str
    tap_id: str
    kind: str
    code: str
    tapped_at: datetime | None = None  # offline taps: when the gate read the code


def gate_of(actor: Actor, code: str) -> TransitGate:
    """The gate with this code, if the calling scanner operates it (404 otherwise)."""
    gate = db.session.scalar(db.select(TransitGate).where(TransitGate.code == code))
    if gate is None or gate.client_id != actor.client_id:
        raise UnknownGate()
    return gate


def record_tap(actor: Actor, request: TapRequest, *, offline: bool = False) -> tuple[Tap, bool]:
    """Take one tap (once per tap id); returns the tap and whether it is new."""
    gate = gate_of(actor, request.gate)
    now = utcnow()
    tapped_at = request.tapped_at if offline and request.tapped_at is not None else now
    if offline and not now - OFFLINE_MAX_AGE <= tapped_at <= now + CLOCK_SKEW:
        raise TapTimeRefused()
    existing = _tap_by_id(actor.client_id, request.tap_id)
    if existing is not None:
        return existing, False
    tap = Tap(
        client_id=actor.client_id,
        tap_id=request.tap_id,
        gate=gate,
        kind=request.kind,
        tapped_at=tapped_at,
        business_date=business_date(tapped_at),
        offline=offline,
        code_digest=hashlib.sha256(request.code.strip().encode()).hexdigest(),
    )
    if not add_new(tap):  # the gate sent this tap before (a retry racing its first send)
        return _tap_by_id(actor.client_id, request.tap_id), False
    _judge(actor, tap, request.code, at=tapped_at if offline else None)
    if tap.outcome == TapOutcome.ACCEPTED:
        trips.form_day(tap.person_id, tap.business_date, now)
    return tap, True


def _tap_by_id(client_id: str, tap_id: str) -> Tap | None:
    return db.session.scalar(
        db.select(Tap)
        .where(Tap.client_id == client_id, Tap.tap_id == tap_id)
        .execution_options(populate_existing=True)
    )


def _judge(actor: Actor, tap: Tap, code: str, *, at: datetime | None) -> None:
    """Verify the code through identity and decide: accepted, refused, or flagged as seen twice."""
    verification = identity.verify_city_code(actor, code, PURPOSE, at=at)
    tap.person_id = verification.person_id
    if verification.valid and not _seen_elsewhere(tap):
        tap.outcome = TapOutcome.ACCEPTED
    elif verification.person_id is not None and verification.reason in (None, "replayed"):
        tap.outcome, tap.reason = TapOutcome.FLAGGED, "replayed"
    else:
        tap.outcome, tap.reason = TapOutcome.REFUSED, verification.reason
    db.session.flush()


def _seen_elsewhere(tap: Tap) -> bool:
    """The same code was read by another tap (identity forgets a code once it expires; taps do not)."""
    return (
        db.session.scalar(
            db.select(Tap.id).where(Tap.code_digest == tap.code_digest, Tap.id != tap.id).limit(1)
        )
        is not None
    )


def take_tap(actor: Actor, request: TapRequest) -> WithFacts:
    """An online tap, and whether it was new (a retry gets the first answer back)."""
    tap, new = record_tap(actor, request)
    return with_facts(tap, new=new)


@dataclass
class BatchResult:
    """What became of each tap of an offline upload, and how many were new."""

    taps: list[WithFacts]

    @property
    def counts(self) -> dict[str, int]:
        """How many taps were new, and how many were already held."""
        new = sum(1 for item in self.taps if item.new)
        return {"new": new, "already_held": len(self.taps) - new}


def upload_taps(actor: Actor, requests: list[TapRequest]) -> BatchResult:
    """Take an offline gate's batch of taps: each once by tap id, all verified as of when they were read."""
    results = []
    for request in sorted(requests, key=lambda r: (r.tapped_at or utcnow(), r.tap_id)):
        tap, new = record_tap(actor, request, offline=True)
        results.append(with_facts(tap, new=new))
    return BatchResult(results)
