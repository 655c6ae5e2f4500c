"""Community gates and venues (出入权限管理): one city code opens the compound's gate and the library.

A compound's gates and each venue are bound to the scanner client that operates them; a scan at a
point of another scanner is 404. Residents pass with their city code (purpose ``community_gate``),
checked through identity; visitors with a pass a resident issued. Venues ask for their own purpose and
learn only what admission needs (a card number). Every scan is an ``AccessEvent`` in the log of the
resident whose code or pass it was.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext, ngettext
from sqlalchemy import bindparam, func, select

from app.access.errors import PassNotActive, TooManyPasses, UnknownGate
from app.access.models import (
    PASS_PREFIX,
    AccessEvent,
    Admission,
    Compound,
    CompoundGate,
    Direction,
    PassStatus,
    Residency,
    Venue,
    VenueCard,
    VisitorPass,
)
from app.core import access
from app.core.actors import Actor, MandateScope, Role
from app.core.cards import Card, Urgency, folded
from app.core.errors import NotFound, ValidationFailed
from app.core.models import UTCDateTime, add_new, utcnow
from app.core.pagination import Page, paginate, paginate_any
from app.core.policy import acting_for, require_role
from app.extensions import db
from app.identity import services as identity

DOMAIN = "access"
SCOPE = MandateScope.ACCESS
GATE_PURPOSE = "community_gate"
MAX_PASS_WINDOW = timedelta(days=7)
MAX_PASS_ENTRIES = 20
MAX_VALID_PASSES = 20
EXPIRY_NOTICE = timedelta(hours=24)
REGISTRARS = (Role.COMMUNITY_WORKER, Role.ADMIN)


# --- scanners -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    """What the gate shows: open or not, why not, and only what this point may know."""

    admitted: bool
    reason: str | None = None
    visitor_name: str | None = None  # a visitor pass: who it was issued for
    entries_left: int | None = None
    card_no: str | None = None  # a venue's card holder: the card


def scan_at_gate(
    actor: Actor, gate_code: str, code: str, direction: str, scan_id: str | None = None
) -> ScanResult:
    """A compound gate read a code: a resident's city code, or a visitor pass of this compound.

    With a ``scan_id`` a retry of the same scan (a lost answer) gets the first answer back: the code is
    not verified again and a pass's entry is not counted again.
    """
    gate = db.session.scalar(db.select(CompoundGate).where(CompoundGate.code == gate_code))
    if gate is None or gate.client_id != actor.client_id:
        raise UnknownGate()
    event, first = _claim(actor, scan_id, direction, gate=gate)
    if not first:
        return _answer(event)
    if code.strip().startswith(PASS_PREFIX):
        return _pass_at_gate(actor, gate, code.strip().removeprefix(PASS_PREFIX), direction, event)
    verification = identity.verify_city_code(actor, code, GATE_PURPOSE)
    reason = verification.reason
    if verification.valid and not _resides(verification.person_id, gate.compound_id):
        reason = "not_resident"
    return _answer(_log(actor, verification.person_id, direction, reason, event, gate=gate))


def _claim(actor: Actor, scan_id: str | None, direction: str, **where) -> tuple[AccessEvent | None, bool]:
    """The event a scan id names: claimed now (True), or the one a first attempt wrote (False)."""
    if scan_id is None:
        return None, True
    existing = _event_by_scan(actor.client_id, scan_id)
    if existing is not None:
        return existing, False
    event = AccessEvent(client_id=actor.client_id or "", scan_id=scan_id, direction=direction, **where)
    if not add_new(event):  # the same scan sent at the same moment: its first answer, once committed
        return _event_by_scan(actor.client_id, scan_id), False
    return event, True


def _event_by_scan(client_id: str | None, scan_id: str) -> AccessEvent | None:
    return db.session.scalar(
        db.select(AccessEvent)
        .where(AccessEvent.client_id == (client_id or ""), AccessEvent.scan_id == scan_id)
        .execution_options(populate_existing=True)
    )


def _answer(event: AccessEvent) -> ScanResult:
    """What the gate is told: the event's outcome and what was kept for it."""
    return ScanResult(admitted=event.admitted, reason=event.reason, **(event.answer or {}))


def _resides(person_id: uuid.UUID, compound_id: uuid.UUID) -> bool:
    return (
        db.session.scalar(
            db.select(Residency.id).where(
                Residency.person_id == person_id, Residency.compound_id == compound_id
            )
        )
        is not None
    )


def _pass_at_gate(
    actor: Actor, gate: CompoundGate, token: str, direction: str, event: AccessEvent | None
) -> ScanResult:
    """A visitor's pass: of this compound, within its window, with an entry left (an exit counts none)."""
    visitor_pass = db.session.scalar(
        db.select(VisitorPass)
        .where(VisitorPass.token == token[:32])
        .with_for_update(of=VisitorPass)
        .execution_options(populate_existing=True)
    )
    if visitor_pass is None:
        return _answer(_log(actor, None, direction, "unknown_pass", event, gate=gate))
    status = visitor_pass.status_at(utcnow())
    reason = None
    if visitor_pass.compound_id != gate.compound_id:
        reason = "other_compound"
    elif status != PassStatus.ACTIVE and not (direction == Direction.OUT and status == PassStatus.USED_UP):
        reason = f"pass_{status.value}"
    elif direction == Direction.IN:
        visitor_pass.entries_used += 1
    answer = {"visitor_name": visitor_pass.visitor_name, "entries_left": visitor_pass.entries_left}
    logged = _log(
        actor, visitor_pass.person_id, direction, reason, event, answer=answer if reason is None else None,
        gate=gate, visitor_pass=visitor_pass,
    )  # fmt: skip
    return _answer(logged)


def scan_at_venue(actor: Actor, venue_code: str, code: str, scan_id: str | None = None) -> ScanResult:
    """A venue read a city code for its own purpose: admitted by real name, or as a card holder."""
    venue = db.session.scalar(db.select(Venue).where(Venue.code == venue_code))
    if venue is None or venue.client_id != actor.client_id:
        raise UnknownGate()
    event, first = _claim(actor, scan_id, Direction.IN, venue=venue)
    if not first:
        return _answer(event)
    verification = identity.verify_city_code(actor, code, venue.purpose)
    reason, card_no = verification.reason, None
    if reason is None and not verification.claims.get("real_name_verified"):
        reason = "real_name_required"
    if reason is None and venue.admission == Admission.CARD_HOLDERS:
        card_no = db.session.scalar(
            db.select(VenueCard.card_no).where(
                VenueCard.venue_id == venue.id, VenueCard.person_id == verification.person_id
            )
        )
        reason = None if card_no else "no_card"
    answer = {"card_no": card_no} if card_no else None
    return _answer(
        _log(actor, verification.person_id, Direction.IN, reason, event, answer=answer, venue=venue)
    )


def _log(
    actor: Actor,
    person_id,
    direction: str,
    reason: str | None,
    event: AccessEvent | None,
    answer: dict | None = None,
    **where,
) -> AccessEvent:
    """Write the scan's outcome: into the event its scan id claimed, or a new one."""
    if event is None:
        event = AccessEvent(client_id=actor.client_id or "", direction=direction)
        db.session.add(event)
    event.person_id, event.admitted, event.reason, event.answer = person_id, reason is None, reason, answer
    for name, value in where.items():
        setattr(event, name, value)
    db.session.flush()
    return event


# --- residents ----------------------------------------------------------------------------------------


def my_compounds(actor: Actor) -> list[Residency]:
    """The compounds the resident is registered in, with their gates."""
    person_id = access.list_owner(actor, SCOPE, "access_residency")
    return list(db.session.scalars(db.select(Residency).where(Residency.person_id == person_id)))


def issue_pass(
    actor: Actor,
    compound_id: uuid.UUID,
    visitor_name: str,
    valid_until: datetime,
    max_entries: int,
    valid_from: datetime | None = None,
) -> VisitorPass:
    """A pass for a visitor to the resident's compound: within a window of at most 7 days, 1–20 entries."""
    person_id = acting_for(actor, SCOPE)
    if not _resides(person_id, compound_id):
        raise NotFound()
    now = utcnow()
    starts = max(valid_from or now, now)
    if not starts < valid_until <= starts + MAX_PASS_WINDOW:
        raise ValidationFailed(
            {"valid_until": [gettext("A pass is valid for at most 7 days from its start.")]}
        )
    valid = db.session.scalar(
        db.select(func.count())
        .select_from(VisitorPass)
        .where(
            VisitorPass.person_id == person_id,
            VisitorPass.revoked_at.is_(None),
            VisitorPass.valid_until > now,
        )
    )
    if valid >= MAX_VALID_PASSES:
        raise TooManyPasses()
    visitor_pass = VisitorPass(
        compound_id=compound_id, person_id=person_id, visitor_name=visitor_name.strip(),
        token=secrets.token_urlsafe(18), valid_from=starts, valid_until=valid_until, max_entries=max_entries,
    )  # fmt: skip
    db.session.add(visitor_pass)
    db.session.flush()
    return visitor_pass


def list_passes(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """The passes the resident issued, newest first."""
    person_id = access.list_owner(actor, SCOPE, "access_visitor_pass")
    stmt = db.select(VisitorPass).where(VisitorPass.person_id == person_id)
    return paginate(stmt, VisitorPass.id, cursor=cursor, limit=limit)


def get_pass(actor: Actor, pass_id: uuid.UUID, *, lock: bool = False) -> VisitorPass:
    """One of the resident's passes (404 for anyone else's)."""
    return access.load_private(actor, VisitorPass, pass_id, scope=SCOPE, lock=lock)


def revoke_pass(actor: Actor, pass_id: uuid.UUID) -> VisitorPass:
    """Stop a pass now (409 when it already expired or was revoked)."""
    visitor_pass = get_pass(actor, pass_id, lock=True)
    if visitor_pass.status in (PassStatus.EXPIRED, PassStatus.REVOKED):
        raise PassNotActive()
    visitor_pass.revoked_at = utcnow()
    db.session.flush()
    return visitor_pass


def pass_events(actor: Actor, pass_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page:
    """Every scan of one of the resident's passes, newest first."""
    visitor_pass = get_pass(actor, pass_id)
    return _events_page(AccessEvent.pass_id == visitor_pass.id, cursor=cursor, limit=limit)


def my_events(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """Every scan of the resident's city code or of a pass they issued, newest first."""
    person_id = access.list_owner(actor, SCOPE, "access_event")
    return _events_page(AccessEvent.person_id == person_id, cursor=cursor, limit=limit)


def _events_page(owned, *, cursor: str | None, limit: int) -> Page:
    """A page of scans: first its ids, one index range, then those rows with their gate, venue and pass.

    Joined first and cut after, the page ran on PostgreSQL's generic plan once psycopg prepared it,
    planned for the average owner (a scan or two): a carer's pass read a thousand times had all
    thousand joined and sorted for every page (4 ms, against 0.2).
    """
    ids = db.select(AccessEvent.id).where(owned)
    return paginate_any(db.select(AccessEvent), AccessEvent.id, [ids], cursor=cursor, limit=limit)


def venues() -> list[Venue]:
    """Every venue that accepts the city code, by code."""
    return list(db.session.scalars(db.select(Venue).order_by(Venue.code)))


def get_card(actor: Actor, venue_id: uuid.UUID) -> VenueCard:
    """The resident's card of a venue that admits card holders, issued on first asking."""
    person_id = acting_for(actor, SCOPE)
    venue = db.session.get(Venue, venue_id)
    if venue is None or venue.admission != Admission.CARD_HOLDERS:
        raise NotFound()
    existing = _card_of(venue.id, person_id)
    if existing is not None:
        return existing
    card = VenueCard(venue_id=venue.id, person_id=person_id, card_no=f"{secrets.randbelow(10**12):012d}")
    if not add_new(card):
        return _card_of(venue.id, person_id)
    return card


def _card_of(venue_id: uuid.UUID, person_id: uuid.UUID) -> VenueCard | None:
    return db.session.scalar(
        db.select(VenueCard).where(VenueCard.venue_id == venue_id, VenueCard.person_id == person_id)
    )


def my_cards(actor: Actor) -> list[VenueCard]:
    """The resident's venue cards."""
    person_id = access.list_owner(actor, SCOPE, "access_venue_card")
    return list(db.session.scalars(db.select(VenueCard).where(VenueCard.person_id == person_id)))


# --- staff ----------------------------------------------------------------------------------------------


def register_resident(actor: Actor, compound_id: uuid.UUID, phone: str, unit: str) -> Residency:
    """The community worker registers a person (by phone) as a resident of a compound; again: updated."""
    require_role(actor, *REGISTRARS)
    if db.session.get(Compound, compound_id) is None:
        raise NotFound()
    person = identity.person_by_phone(phone)
    if person is None:
        raise ValidationFailed({"phone": [gettext("No resident has this phone number.")]})
    residency = db.session.scalar(
        db.select(Residency).where(Residency.compound_id == compound_id, Residency.person_id == person.id)
    )
    if residency is None:
        residency = Residency(compound_id=compound_id, person_id=person.id)
        db.session.add(residency)
    residency.unit, residency.registered_by_id = unit.strip(), actor.person_id
    db.session.flush()
    return residency


def remove_resident(actor: Actor, compound_id: uuid.UUID, person_id: uuid.UUID) -> None:
    """The person no longer lives there: their code stops opening its gates, their passes end."""
    require_role(actor, *REGISTRARS)
    residency = db.session.scalar(
        db.select(Residency).where(Residency.compound_id == compound_id, Residency.person_id == person_id)
    )
    if residency is None:
        raise NotFound()
    db.session.delete(residency)
    db.session.execute(
        db.update(VisitorPass)
        .where(
            VisitorPass.compound_id == compound_id,
            VisitorPass.person_id == person_id,
            VisitorPass.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


def compounds() -> list[Compound]:
    """Every compound, by code (for staff)."""
    return list(db.session.scalars(db.select(Compound).order_by(Compound.code)))


# --- the home --------------------------------------------------------------------------------------------

_HOME_PASSES = select(func.count(), func.min(VisitorPass.valid_until)).where(
    VisitorPass.person_id == bindparam("person_id"),
    VisitorPass.revoked_at.is_(None),
    VisitorPass.valid_until > bindparam("now", type_=UTCDateTime),
    VisitorPass.valid_until <= bindparam("soon", type_=UTCDateTime),
    VisitorPass.entries_used < VisitorPass.max_entries,
    VisitorPass.valid_from <= bindparam("now", type_=UTCDateTime),
)


@folded(_HOME_PASSES, params=lambda now: {"soon": now + EXPIRY_NOTICE})
def home_cards(row: tuple, person_id: uuid.UUID, now: datetime) -> list[Card]:
    """Visitor passes that are active and expire within a day (one query)."""
    count, first = row
    if not count:
        return []
    return [
        Card(
            DOMAIN,
            "pass_expiring",
            Urgency.SOON,
            gettext("Visitor pass expiring"),
            ngettext(
                "%(num)d visitor pass expires within a day.",
                "%(num)d visitor passes expire within a day.",
                count,
            ),
            count=count,
            due_at=first,
            target="/api/v1/access/passes",
        )
    ]
