"""Disputes of a stay: raised by the driver with evidence, answered by the operator, escalated to 12345.

An accepted dispute sets the stay's fee (zero when the car was not theirs): an unpaid stay owes the
new fee, a paid one is refunded the difference through the ledger. Following the kernel's disputes
(``app.core.disputes``), an unpaid stay gathers no late fee while its dispute waits for the answer,
and one still owed afterwards has the lot's grace again from the answer's day. A rejected dispute, or one left
unanswered past the operator's deadline (``PARKING_DISPUTE_ANSWER_WORKING_DAYS`` working days), may
become a 12345 complaint carrying the stay as evidence.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.complaints import services as complaints
from app.core import access, audit
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.calendar import SHANGHAI, business_date, load_calendar
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.i18n import in_every_locale
from app.core.models import utcnow
from app.core.money import Money
from app.core.pagination import Page, paginate
from app.core.policy import acting_for, is_client
from app.extensions import db
from app.parking import notices
from app.parking.models import DisputeStatus, ParkingDispute, ParkingSession, SessionStatus
from app.parking.services._shared import MANDATE_SCOPE, WRITE_SCOPE
from app.parking.services.sessions import get_session
from app.payments import services as payments

COMPLAINT_CATEGORY = "0601"  # 12345 category 价格投诉: a fee the driver says is wrong
MAX_EVIDENCE = 5


def answer_deadline(now: datetime) -> datetime:
    """The end of the N-th working day after today (Asia/Shanghai): when the operator must have answered."""
    days = current_app.config["PARKING_DISPUTE_ANSWER_WORKING_DAYS"]
    last_day = load_calendar().add_working_days(business_date(now), days)
    return datetime.combine(last_day + timedelta(days=1), time(), SHANGHAI)


def raise_dispute(
    actor: Actor, session_id: uuid.UUID, kind: str, description: str, evidence: list[str]
) -> ParkingDispute:
    """Dispute an unpaid or paid stay, with the references of what shows it (photos, receipts)."""
    resident = acting_for(actor, MANDATE_SCOPE)
    session = get_session(actor, session_id, lock=True)
    if session.status not in (SessionStatus.UNPAID, SessionStatus.PAID):
        raise Conflict(gettext("Only a stay that was charged can be disputed."))
    if db.session.scalar(db.select(ParkingDispute.id).where(ParkingDispute.session_id == session.id)):
        raise Conflict(gettext("This stay is disputed already."))
    now = utcnow()
    dispute = ParkingDispute(
        session=session,
        person_id=resident,
        raised_by_id=actor.person_id,
        operator_client_id=session.lot.operator_client_id,
        kind=kind,
        description=description.strip(),
        evidence=list(dict.fromkeys(evidence))[:MAX_EVIDENCE],
        answer_due_at=answer_deadline(now),
        fee_before_fen=session.fee_fen,
        status=DisputeStatus.OPEN,
    )
    db.session.add(dispute)
    if session.status == SessionStatus.UNPAID and dispute.holds_late_fees:
        session.pay_by = None  # no late fee counts while the operator looks into it
    db.session.flush()
    notices.dispute_raised(dispute)
    return dispute


def list_disputes(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """The driver's disputes, newest first."""
    resident = access.list_owner(actor, MANDATE_SCOPE, "parking_dispute")
    stmt = db.select(ParkingDispute).where(ParkingDispute.person_id == resident)
    return paginate(stmt, ParkingDispute.id, cursor=cursor, limit=limit)


def get_dispute(actor: Actor, dispute_id: uuid.UUID, *, lock: bool = False) -> ParkingDispute:
    """One of the driver's disputes (404 for anyone else's)."""
    return access.load_private(actor, ParkingDispute, dispute_id, scope=MANDATE_SCOPE, lock=lock)


def operator_disputes(actor: Actor, *, status: str | None, cursor: str | None, limit: int) -> Page:
    """Disputes of stays at the acting operator's lots, oldest first (each read is in the driver's log)."""
    stmt = db.select(ParkingDispute).where(ParkingDispute.operator_client_id == actor.client_id)
    if status is not None:
        stmt = stmt.where(ParkingDispute.status == status)
    page = paginate(stmt, ParkingDispute.id, cursor=cursor, limit=limit, newest_first=False)
    for dispute in page.items:
        audit.record(actor, dispute.person_id, AuditAction.READ, "parking_dispute", dispute.id, "dispute")
    return page


def answer_dispute(
    actor: Actor, dispute_id: uuid.UUID, accepted: bool, answer: str, fee: Money | None = None
) -> ParkingDispute:
    """The operator accepts (with the right fee, zero by default) or rejects, with an explanation."""
    dispute = db.session.get(ParkingDispute, dispute_id, with_for_update=True, populate_existing=True)
    if dispute is None or not is_client(actor, dispute.operator_client_id, WRITE_SCOPE):
        raise NotFound()
    if dispute.status != DisputeStatus.OPEN:
        raise Conflict(gettext("This dispute was answered already."))
    if accepted:
        _settle_fee(dispute, fee.fen if fee is not None else 0)
    dispute.status = DisputeStatus.ACCEPTED if accepted else DisputeStatus.REJECTED
    dispute.answer, dispute.answered_at = answer.strip()[:500], utcnow()
    _restart_late_fee_grace(dispute)
    audit.record(actor, dispute.person_id, AuditAction.CHANGE, "parking_dispute", dispute.id, dispute.status)
    db.session.flush()
    notices.dispute_answered(dispute)
    return dispute


def _settle_fee(dispute: ParkingDispute, fee_fen: int) -> None:
    """The stay owes ``fee_fen`` now: a debt is lowered, a paid stay refunded the difference."""
    session = db.session.get(ParkingSession, dispute.session_id, with_for_update=True)
    if not 0 <= fee_fen <= dispute.fee_before_fen:
        message = gettext(
            "Between 0 and the fee charged (%(fee)s).", fee=Money(dispute.fee_before_fen).format()
        )
        raise ValidationFailed({"fee": [message]})
    if session.status == SessionStatus.PAID and (fee_fen < session.fee_fen or session.late_fee_fen):
        # the fee was wrong: the difference goes back, and any late fee paid on it with it
        refund = payments.refund(
            Actor.system(),
            session.payment_id,
            Money(session.fee_fen - fee_fen + session.late_fee_fen, session.currency),
            f"parking dispute {dispute.id}",
            f"parking-dispute:{dispute.id}",
        )
        dispute.refund_id, session.late_fee_fen = refund.id, 0
    elif session.status == SessionStatus.UNPAID:
        if session.payment_id is not None:
            raise payments.PaymentInProgress()
        session.status = SessionStatus.UNPAID if fee_fen else SessionStatus.WAIVED
    if session.status != SessionStatus.WAIVED:
        session.fee_fen = fee_fen
    dispute.fee_after_fen = fee_fen


def _restart_late_fee_grace(dispute: ParkingDispute) -> None:
    """A stay still owed after the answer has its late fee's grace again, counted from the answer's day."""
    session = dispute.session
    if session.status == SessionStatus.UNPAID and session.late_fee_paused and not dispute.holds_late_fees:
        session.keep_late_fee_rule(session.late_fee_rule, business_date())


def escalate_dispute(actor: Actor, dispute_id: uuid.UUID, note: str = "") -> ParkingDispute:
    """Take a rejected or unanswered dispute to 12345 as a complaint carrying the stay as evidence."""
    dispute = get_dispute(actor, dispute_id, lock=True)
    complaints.escalate_dispute(
        actor, dispute, category_code=COMPLAINT_CATEGORY, attachment=_attachment(dispute), note=note
    )
    return dispute


def _attachment(dispute: ParkingDispute):
    """The disputed stay as 12345 staff read it, in their language."""
    session = dispute.session

    def local(moment: datetime | None) -> str:
        return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""

    facts = [
        (in_every_locale(_l("Dispute")), in_every_locale(lambda: dispute.kind_label)),
        (in_every_locale(_l("Car park")), session.lot.names),
        (in_every_locale(_l("Plate")), session.plate),
        (in_every_locale(_l("Entered")), local(session.entered_at)),
        (in_every_locale(_l("Left")), local(session.exited_at)),
        (in_every_locale(_l("Fee")), Money(dispute.fee_before_fen, session.currency).format()),
        (
            in_every_locale(_l("The operator answered")),
            dispute.answer or in_every_locale(_l("No answer by the deadline.")),
        ),
    ]
    title = in_every_locale(lambda: gettext("Parking fee dispute: %(kind)s", kind=dispute.kind_label))
    return complaints.Attachment(
        kind="parking_dispute", title=title, facts=facts, reference=f"parking_dispute:{dispute.id}"
    )


def note_unanswered_disputes(now: datetime | None = None, limit: int = 500) -> int:
    """Tell drivers whose dispute went unanswered past its deadline that they may go to 12345 (once)."""
    now = now or utcnow()
    late = db.session.scalars(
        db.select(ParkingDispute)
        .where(
            ParkingDispute.status == DisputeStatus.OPEN,
            ParkingDispute.answer_due_at <= now,
            ParkingDispute.overdue_notified_at.is_(None),
        )
        .order_by(ParkingDispute.answer_due_at, ParkingDispute.id)
        .limit(limit)
        .with_for_update(of=ParkingDispute, skip_locked=True)
    ).all()
    for dispute in late:
        notices.dispute_unanswered(dispute)
        dispute.overdue_notified_at = now
    db.session.flush()
    return len(late)
