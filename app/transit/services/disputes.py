"""Fare disputes: a rider disputes a paid trip's fare; the clearing house decides once; a refund, once.

The clearing house (the payee of every fare) reviews with a client holding ``transit:disputes``;
each look at a dispute is written to the rider's access log. Deciding locks the dispute row, so of two
reviewers deciding at once exactly one is recorded and money comes back once (the refund also carries
the key ``transit-dispute-<id>``, so payments would replay rather than repeat it). A rejected dispute
may go on to 12345 (category 0405, bus and metro fares) with the trip attached, once.
"""

from __future__ import annotations

import uuid

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import defaultload

from app.complaints import services as complaints
from app.core import access, audit
from app.core.actors import Actor, MandateScope
from app.core.audit import AuditAction
from app.core.calendar import SHANGHAI
from app.core.errors import NotFound, ValidationFailed
from app.core.i18n import in_every_locale
from app.core.models import add_new, utcnow
from app.core.money import Money
from app.core.pagination import Page, paginate
from app.core.policy import acting_for, require_scope
from app.core.views import with_facts
from app.extensions import db
from app.payments import services as payments
from app.transit import notices, policies
from app.transit.errors import FareDisputeDecided, FareDisputeExists, FareNotDisputable
from app.transit.models import DisputeStatus, FareDispute, PaymentState, Trip
from app.transit.services import network

SCOPE = MandateScope.TRANSIT
COMPLAINT_CATEGORY = "0405"  # 12345 category 公交地铁票价: a fare the rider says is wrong


def raise_dispute(
    actor: Actor, trip_id: uuid.UUID, *, kind: str, description: str = "", exit_station: str | None = None
) -> FareDispute:
    """Dispute the fare of one of the rider's paid trips (once per trip)."""
    acting_for(actor, SCOPE)
    trip = access.load_private(actor, Trip, trip_id, scope=SCOPE, action=AuditAction.CREATE)
    if trip.payment_state != PaymentState.PAID or trip.payment_id is None:
        raise FareNotDisputable()
    dispute = FareDispute(
        trip_id=trip.id, person_id=trip.person_id, raised_by_id=actor.person_id, kind=kind,
        description=description.strip()[:500], exit_station_code=exit_station, fare_fen=trip.fare_fen,
        status=DisputeStatus.OPEN,
    )  # fmt: skip
    if not add_new(dispute):
        raise FareDisputeExists()
    return dispute


def list_disputes(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """The rider's fare disputes, newest first."""
    person_id = access.list_owner(actor, SCOPE, "transit_fare_dispute")
    stmt = db.select(FareDispute).where(FareDispute.person_id == person_id).options(*_UNJOINED)
    return _with_trips(paginate(stmt, FareDispute.id, cursor=cursor, limit=limit))


def get_dispute(actor: Actor, dispute_id: uuid.UUID) -> FareDispute:
    """One of the rider's disputes (404 for anyone else's; the reviewer sees every one, audited)."""
    return access.load_private(
        actor, FareDispute, dispute_id, scope=SCOPE, also=lambda a, _d: policies.is_dispute_reviewer(a)
    )


def disputes_to_review(actor: Actor, *, status: str | None, cursor: str | None, limit: int) -> Page:
    """The clearing house's queue, oldest first (each dispute shown is written to its rider's log)."""
    require_scope(actor, policies.DISPUTE_SCOPE)
    stmt = db.select(FareDispute).options(*_UNJOINED)
    if status is not None:
        stmt = stmt.where(FareDispute.status == status)
    page = paginate(stmt, FareDispute.id, cursor=cursor, limit=limit, newest_first=False)
    for dispute in page.items:
        audit.record(actor, dispute.person_id, AuditAction.READ, "transit_fare_dispute", dispute.id)
    return _with_trips(page)


# a page of disputes joins each one's trip, and names the trip's line and stations from the network
_UNJOINED = tuple(defaultload(FareDispute.trip).options(option) for option in network.UNJOINED)


def _with_trips(page: Page) -> Page:
    known = network.trip_views([dispute.trip for dispute in page.items])
    page.items = [with_facts(dispute, trip=trip) for dispute, trip in zip(page.items, known, strict=True)]
    return page


def decide_dispute(
    actor: Actor, dispute_id: uuid.UUID, *, accepted: bool, answer: str, refund: Money | None = None
) -> FareDispute:
    """Uphold (refund all or part of the fare, once) or reject a dispute; 409 once it is decided."""
    require_scope(actor, policies.DISPUTE_SCOPE)
    dispute = _locked(dispute_id)
    if dispute is None:
        raise NotFound()
    if dispute.status != DisputeStatus.OPEN:
        raise FareDisputeDecided()
    dispute.answer, dispute.decided_by, dispute.decided_at = answer.strip()[:500], actor.client_id, utcnow()
    if accepted:
        amount = refund.fen if refund is not None else dispute.fare_fen
        if not 0 < amount <= dispute.fare_fen:
            raise ValidationFailed(
                {"refund": [gettext("A refund is more than nothing and at most the fare paid.")]}
            )
        record = payments.refund(
            Actor.system(),
            dispute.trip.payment_id,
            Money(amount),
            f"transit fare dispute {dispute.id}",
            f"transit-dispute-{dispute.id}",
        )
        dispute.status, dispute.refund_fen, dispute.refund_id = DisputeStatus.ACCEPTED, amount, record.id
    else:
        dispute.status = DisputeStatus.REJECTED
    db.session.flush()
    audit.record(
        actor, dispute.person_id, AuditAction.CHANGE, "transit_fare_dispute", dispute.id, dispute.status
    )
    notices.dispute_decided(dispute)
    return dispute


def escalate_dispute(actor: Actor, dispute_id: uuid.UUID, note: str = "") -> FareDispute:
    """Take a rejected fare dispute to 12345 as a complaint carrying the trip and the decision (once)."""
    acting_for(actor, SCOPE)
    access.load_private(actor, FareDispute, dispute_id, scope=SCOPE, action=AuditAction.CHANGE)
    dispute = _locked(dispute_id)
    complaints.escalate_dispute(
        actor, dispute, category_code=COMPLAINT_CATEGORY, attachment=_attachment(dispute), note=note
    )
    return dispute


def _locked(dispute_id: uuid.UUID) -> FareDispute | None:
    """The dispute, its row locked (not the trip's stations: they may be missing)."""
    return db.session.scalar(
        db.select(FareDispute)
        .where(FareDispute.id == dispute_id)
        .with_for_update(of=FareDispute)
        .execution_options(populate_existing=True)
    )


def _attachment(dispute: FareDispute) -> complaints.Attachment:
    """The disputed trip as 12345 staff read it, in their language: the taps, the fare, the decision."""
    trip = dispute.trip

    def local(moment) -> str:
        return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""

    facts = [
        (in_every_locale(_l("Dispute")), in_every_locale(lambda: dispute.kind_label)),
        (in_every_locale(_l("Line")), trip.line.names),
        (in_every_locale(_l("Entered")), _station(trip.entry_station, local(trip.started_at))),
        (in_every_locale(_l("Left")), _station(trip.exit_station, local(trip.ended_at))),
        (in_every_locale(_l("Fare")), dispute.fare.format()),
        (in_every_locale(_l("The clearing house answered")), dispute.answer or "-"),
    ]
    if dispute.exit_station_code:
        facts.append((in_every_locale(_l("Where the rider says they left")), dispute.exit_station_code))
    title = in_every_locale(lambda: gettext("Transit fare dispute: %(kind)s", kind=dispute.kind_label))
    return complaints.Attachment(
        kind="transit_fare_dispute", title=title, facts=facts, reference=f"transit_fare_dispute:{dispute.id}"
    )


def _station(station, at: str) -> dict[str, str] | str:
    """A station's name in every language with the time of the tap (the time alone without a tap)."""
    if station is None:
        return at or "-"
    return {locale: f"{name} {at}".strip() for locale, name in station.names.items()}
