"""Traffic violations (交通违法): the police file them by plate; its holder sees and pays the fine once.

A violation belongs to whoever holds its plate now (a plate bound later shows the unpaid fines
filed before), and a family member under a parking mandate may see and pay it. The fine is paid
through the ledger to the police client (purpose ``traffic_fine``); one intent at a time holds it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask_babel import gettext, ngettext
from sqlalchemy import bindparam

from app.core import access
from app.core.actors import Actor
from app.core.calendar import business_date
from app.core.cards import Card, Urgency, folded
from app.core.errors import Conflict, NotFound
from app.core.models import add_new, utcnow
from app.core.money import Money
from app.core.pagination import Page, paginate
from app.core.policy import acting_for, is_client
from app.extensions import db
from app.parking import notices
from app.parking.errors import NothingToPay, ViolationUnderReview
from app.parking.late_fees import TRAFFIC_FINE, local_day
from app.parking.models import Plate, Violation, ViolationStatus
from app.parking.services._shared import (
    FINE_DOMAIN,
    MANDATE_SCOPE,
    POLICE_PAYEE,
    POLICE_SCOPE,
    late_fee_due,
    log,
)
from app.parking.services.plates import checked_plate, holder_of
from app.payments import services as payments

FILED_FIELDS = ("plate", "occurred_at", "place", "offence_code", "offence", "fine_fen", "points")


def file_violation(
    actor: Actor,
    reference: str,
    plate: str,
    occurred_at: datetime,
    place: str,
    offence_code: str,
    offence: str,
    fine: Money,
    points: int,
) -> tuple[Violation, bool]:
    """The police file a violation (once per reference: the same again returns it); the holder hears of it."""
    fields = {
        "plate": checked_plate(plate, "plate"),
        "occurred_at": occurred_at,
        "place": place.strip(),
        "offence_code": offence_code,
        "offence": offence.strip(),
        "fine_fen": fine.fen,
        "points": points,
    }
    existing = _filed(actor.client_id, reference)
    if existing is not None:
        return _same_filing(existing, fields), False
    violation = Violation(
        police_client_id=actor.client_id,
        reference=reference,
        currency=fine.currency,
        pay_by=TRAFFIC_FINE.last_free_day(business_date()),
        **fields,
    )
    if not add_new(violation):  # the same filing sent twice at once: one of them recorded it
        return _same_filing(_filed(actor.client_id, reference), fields), False
    holder = holder_of(violation.plate)
    if holder is not None:
        notices.violation_filed(violation, holder.person_id)
    return violation, True


def _filed(client_id: str, reference: str) -> Violation | None:
    return db.session.scalar(
        db.select(Violation)
        .where(Violation.police_client_id == client_id, Violation.reference == reference)
        .execution_options(populate_existing=True)
    )


def _same_filing(violation: Violation, fields: dict) -> Violation:
    if any(getattr(violation, name) != value for name, value in fields.items()):
        raise Conflict(gettext("This reference was already filed with other details."))
    return violation


def police_violation(actor: Actor, reference: str) -> Violation:
    """One violation the acting police client filed, by its reference."""
    violation = _filed(actor.client_id, reference)
    if violation is None or not is_client(actor, violation.police_client_id, POLICE_SCOPE):
        raise NotFound()
    return violation


def withdraw_violation(actor: Actor, reference: str) -> Violation:
    """The police withdraw an unpaid violation filed in error."""
    violation = police_violation(actor, reference)
    if violation.status == ViolationStatus.DISPUTED:
        raise Conflict(gettext("This violation is under appeal: decide the appeal instead."))
    if violation.status == ViolationStatus.PAID or payments.active_intent_for(FINE_DOMAIN, str(violation.id)):
        raise Conflict(gettext("A fine being paid or paid cannot be withdrawn."))
    violation.status = ViolationStatus.WITHDRAWN
    db.session.flush()
    return violation


def _holders(violation: Violation) -> list[uuid.UUID]:
    """Whose violation it is: the plate's holder now."""
    return list(db.session.scalars(db.select(Plate.person_id).where(Plate.number == violation.plate)))


def list_violations(actor: Actor, *, status: str | None, cursor: str | None, limit: int) -> Page:
    """The violations of the resident's plates, newest first."""
    resident = access.list_owner(actor, MANDATE_SCOPE, "traffic_violation")
    stmt = (
        db.select(Violation).join(Plate, Plate.number == Violation.plate).where(Plate.person_id == resident)
    )
    if status is not None:
        stmt = stmt.where(Violation.status == status)
    return paginate(stmt, Violation.id, cursor=cursor, limit=limit)


def get_violation(actor: Actor, violation_id: uuid.UUID, *, lock: bool = False) -> Violation:
    """One violation of the resident's plates (404 for anyone else's)."""
    return access.load_private(
        actor,
        Violation,
        violation_id,
        scope=MANDATE_SCOPE,
        owner=_holders,
        lock=lock,
        resource="traffic_violation",
    )


def pay_violation(actor: Actor, violation_id: uuid.UUID, idempotency_key: str):
    """Pay a fine (the holder, or a family member under a parking mandate); once, through the ledger."""
    payer_id = acting_for(actor, MANDATE_SCOPE)
    violation = get_violation(actor, violation_id, lock=True)
    if violation.status == ViolationStatus.PAID:
        raise payments.AlreadyPaid()
    if violation.status == ViolationStatus.DISPUTED:
        raise ViolationUnderReview()
    if violation.status != ViolationStatus.UNPAID or violation.fine_fen == 0:
        raise NothingToPay()
    late_fee = violation.late_fee  # 加处罚款 due today; paid with the fine, kept as paid
    intent = payments.create_intent(
        actor,
        payer_id,
        payments.Payee(POLICE_PAYEE, violation.police_client_id),
        violation.fine + late_fee,
        payments.Purpose(FINE_DOMAIN, (str(violation.id),)),
        idempotency_key,
        description=f"{violation.offence_code} {violation.plate}",
    )
    violation.late_fee_fen = late_fee.fen
    db.session.flush()
    return intent


def on_fine_settled(outcome) -> None:
    """A fine's payment succeeded: the violation is paid (once); a failure leaves it unpaid."""
    if outcome.status != payments.PaymentStatus.SUCCEEDED:
        return
    violations = db.session.scalars(
        db.select(Violation)
        .where(Violation.id.in_([uuid.UUID(ref) for ref in outcome.purpose.ids]))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    for violation in violations:
        if violation.status == ViolationStatus.PAID:
            if violation.payment_id != outcome.intent_id:
                log.error("fine %s paid again by %s", violation.id, outcome.intent_id)
            continue
        violation.status, violation.paid_at = ViolationStatus.PAID, outcome.at
        violation.payment_id, violation.paid_by_id = outcome.intent_id, outcome.payer_id
    db.session.flush()


DUE_SOON_DAYS = 2  # the holder is reminded this many days before the last day without a late fee


def remind_fines_due(now: datetime | None = None, limit: int = 500) -> int:
    """Remind holders of unpaid fines near their last day without a late fee (once per due day)."""
    today = business_date(now)
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    stmt = (
        db.select(Violation, Plate.person_id)
        .join(Plate, Plate.number == Violation.plate)
        .where(
            Violation.status == ViolationStatus.UNPAID,
            Violation.reminded_at.is_(None),
            Violation.pay_by <= horizon,
            Violation.pay_by >= today,
        )
        .order_by(Violation.pay_by, Violation.id)
        .limit(limit)
        .with_for_update(of=Violation, skip_locked=True)
    )
    rows = db.session.execute(stmt).all()
    for violation, holder_id in rows:
        notices.violation_due_soon(violation, holder_id)
        violation.reminded_at = now or utcnow()
    db.session.flush()
    return len(rows)


_HOME_FINES = (
    db.select(
        db.func.count(Violation.id),
        db.func.coalesce(db.func.sum(Violation.fine_fen), 0),
        db.func.coalesce(db.func.sum(Violation.points), 0),
        db.func.coalesce(
            db.func.sum(
                late_fee_due(
                    Violation.fine_fen, Violation.pay_by, TRAFFIC_FINE.daily_permille, TRAFFIC_FINE.cap_pct
                )
            ),
            0,
        ),
    )
    .join(Plate, Plate.number == Violation.plate)
    .where(Plate.person_id == bindparam("person_id"), Violation.status == ViolationStatus.UNPAID)
)


@folded(_HOME_FINES, params=lambda now: {"today": local_day(now)})
def home_cards(row: tuple, person_id: uuid.UUID, now: datetime) -> list[Card]:
    """One card for the unpaid fines of the resident's plates and their late fees (one query)."""
    count, fines, points, late_fen = row
    if not count:
        return []
    late = Money(int(late_fen or 0))
    total = Money(int(fines)) + late
    if late.fen:
        body = gettext(
            "%(amount)s in all (%(late_fee)s of it late fees), %(points)s points.",
            amount=total.format(),
            late_fee=late.format(),
            points=int(points),
        )
    else:
        body = gettext("%(amount)s in all, %(points)s points.", amount=total.format(), points=int(points))
    return [
        Card(
            "parking",
            "violations_unpaid",
            Urgency.NOW if late.fen else Urgency.SOON,
            ngettext("%(num)d traffic fine to pay", "%(num)d traffic fines to pay", count),
            body,
            count=count,
            amount=total,
            target="/api/v1/violations?status=unpaid",
        )
    ]
