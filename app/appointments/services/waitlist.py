"""The waitlist of a full slot: a freed seat is held for the first waiting, for a limited time, then the next.

When a seat frees (a cancellation, an offer let go), :func:`release_seat` — under the slot's row
lock — holds it for the first waiting resident (``held``), tells them, and schedules the offer's
expiry at the end of the hold (``app.core.jobs``; the periodic sweep is the backstop). Accepting
turns the held seat into a booking in the same locked transaction; an offer that runs out passes
the seat to the next waiting, or back to everyone when nobody waits.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import aliased

from app.appointments import notices
from app.appointments.errors import AlreadyWaiting, OfferGone, SeatsLeft
from app.appointments.models import Appointment, WaitlistEntry, WaitStatus
from app.appointments.services._shared import MANDATE_SCOPE, get_slot, rules_of
from app.appointments.services.booking import check_may_book, seat
from app.appointments.services.seats import release_seat
from app.core.access import list_owner, load_private
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.errors import Conflict
from app.core.models import utcnow
from app.core.pagination import Page, paginate
from app.core.policy import acting_for
from app.core.views import WithFacts, with_facts
from app.extensions import db

MAX_WAITING = 100  # per slot
OPEN = (WaitStatus.WAITING, WaitStatus.OFFERED)


def join_waitlist(actor: Actor, slot_id: uuid.UUID) -> WithFacts:
    """Wait for a seat in a full slot (the rules of booking apply already)."""
    person_id = acting_for(actor, MANDATE_SCOPE)
    slot = get_slot(slot_id, lock=True)
    now = utcnow()
    check_may_book(person_id, slot, rules_of(slot), now)
    if slot.seats_left > 0:
        raise SeatsLeft()
    open_entries = _open_entries(slot.id)
    if any(entry.person_id == person_id for entry in open_entries):
        raise AlreadyWaiting()
    if len(open_entries) >= MAX_WAITING:
        raise Conflict()
    entry = WaitlistEntry(person_id=person_id, slot_id=slot.id, status=WaitStatus.WAITING)
    entry.slot = slot
    db.session.add(entry)
    db.session.flush()
    return entry_view(entry)


def _open_entries(slot_id: uuid.UUID) -> list[WaitlistEntry]:
    stmt = db.select(WaitlistEntry).where(WaitlistEntry.slot_id == slot_id, WaitlistEntry.status.in_(OPEN))
    return list(db.session.scalars(stmt.order_by(WaitlistEntry.id)))


def _load_entry(actor: Actor, entry_id: uuid.UUID, action: AuditAction) -> WaitlistEntry:
    return load_private(actor, WaitlistEntry, entry_id, scope=MANDATE_SCOPE, action=action)


def accept_offer(actor: Actor, entry_id: uuid.UUID) -> Appointment:
    """Take the seat held for me: it becomes my booking at once."""
    entry = _load_entry(actor, entry_id, AuditAction.CHANGE)
    slot = get_slot(entry.slot_id, lock=True)
    db.session.refresh(entry)
    now = utcnow()
    if entry.status != WaitStatus.OFFERED or entry.hold_until is None or entry.hold_until <= now:
        raise OfferGone()
    check_may_book(entry.person_id, slot, rules_of(slot), now)
    slot.held -= 1
    slot.booked += 1
    appointment = seat(actor, entry.person_id, slot, now)
    entry.status = WaitStatus.ACCEPTED
    entry.appointment_id = appointment.id
    return appointment


def withdraw(actor: Actor, entry_id: uuid.UUID) -> WithFacts:
    """Leave the waitlist (an offer held for me goes to the next)."""
    entry = _load_entry(actor, entry_id, AuditAction.CHANGE)
    slot = get_slot(entry.slot_id, lock=True)
    db.session.refresh(entry)
    if entry.status not in OPEN:
        raise OfferGone()
    was_offered = entry.status == WaitStatus.OFFERED
    entry.status = WaitStatus.WITHDRAWN
    if was_offered:
        slot.held -= 1
        release_seat(slot, utcnow())
    return entry_view(entry)


def expire_offer(entry_id: uuid.UUID) -> bool:
    """The hold of an offer ran out: pass the seat on (idempotent; early or repeated runs do nothing)."""
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None:
        return False
    slot = get_slot(entry.slot_id, lock=True)
    db.session.refresh(entry)
    now = utcnow()
    if entry.status != WaitStatus.OFFERED or entry.hold_until > now:
        return False
    entry.status = WaitStatus.EXPIRED
    slot.held -= 1
    notices.offer_expired(entry)
    release_seat(slot, now)
    return True


def expire_offers(limit: int = 500) -> int:
    """Every offer whose hold ran out (the sweep's backstop for a lost job); how many expired."""
    stmt = (
        db.select(WaitlistEntry.id)
        .where(WaitlistEntry.status == WaitStatus.OFFERED, WaitlistEntry.hold_until <= utcnow())
        .order_by(WaitlistEntry.hold_until)
        .limit(limit)
    )
    return sum(expire_offer(entry_id) for entry_id in list(db.session.scalars(stmt)))


def position_of(entry: WaitlistEntry) -> int | None:
    """Where a waiting entry stands (1 = next to be offered); None once offered or closed."""
    if entry.status != WaitStatus.WAITING:
        return None
    ahead = db.session.scalar(
        db.select(db.func.count()).where(
            WaitlistEntry.slot_id == entry.slot_id,
            WaitlistEntry.status == WaitStatus.WAITING,
            WaitlistEntry.id < entry.id,
        )
    )
    return ahead + 1


def positions_of(entries: list[WaitlistEntry]) -> dict[uuid.UUID, int]:
    """Where each waiting entry of ``entries`` stands, in one statement (a page's worth)."""
    waiting = [entry.id for entry in entries if entry.status == WaitStatus.WAITING]
    if not waiting:
        return {}
    ahead = aliased(WaitlistEntry)
    counted = (
        db.select(WaitlistEntry.id, db.func.count(ahead.id))
        .outerjoin(
            ahead,
            (ahead.slot_id == WaitlistEntry.slot_id)
            & (ahead.status == WaitStatus.WAITING)
            & (ahead.id < WaitlistEntry.id),
        )
        .where(WaitlistEntry.id.in_(waiting))
        .group_by(WaitlistEntry.id)
    )
    return {entry_id: before + 1 for entry_id, before in db.session.execute(counted)}


def entry_view(entry: WaitlistEntry) -> WithFacts:
    """A waitlist entry with its position and its slot's service."""
    return with_facts(entry, position=position_of(entry), service=entry.slot.service)


def get_entry(actor: Actor, entry_id: uuid.UUID) -> WithFacts:
    """One of my waitlist entries."""
    return entry_view(_load_entry(actor, entry_id, AuditAction.READ))


def my_waitlist(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """My places on waitlists, newest first."""
    person_id = list_owner(actor, MANDATE_SCOPE, "waitlist_entry")
    stmt = db.select(WaitlistEntry).where(WaitlistEntry.person_id == person_id)
    page = paginate(stmt, WaitlistEntry.id, cursor=cursor, limit=limit)
    positions = positions_of(page.items)  # one statement for the page, not one per waiting entry
    page.items = [
        with_facts(item, position=positions.get(item.id), service=item.slot.service) for item in page.items
    ]
    return page
