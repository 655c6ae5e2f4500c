"""Appeals of traffic violations (申诉): the driver gives reasons and evidence, the police decide.

An unpaid violation is appealed once, by its holder (or a family member under a parking mandate).
While the appeal is open the violation is ``disputed``: it cannot be paid and no late fee counts.
The police client decides within ``VIOLATION_APPEAL_WORKING_DAYS`` working days: accepted, the
violation is withdrawn; rejected, it is unpaid again with fifteen days from the decision before
any late fee. The driver is told the outcome either way; the police hear of an appeal by webhook.
A rejected appeal, or one the police left undecided past its deadline, may go on to 12345 (category
0404, routed to the traffic police) with the violation and the answer attached, once; the police may
still decide an appeal that went to 12345 undecided.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.complaints import services as complaints
from app.core import access, audit
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.calendar import SHANGHAI, business_date, load_calendar
from app.core.disputes import DisputeStatus
from app.core.errors import NotFound
from app.core.i18n import in_every_locale
from app.core.models import utcnow
from app.core.pagination import Page, paginate
from app.core.policy import acting_for, is_client
from app.extensions import db
from app.parking import notices
from app.parking.errors import AppealClosed
from app.parking.late_fees import TRAFFIC_FINE
from app.parking.models import Violation, ViolationDispute, ViolationStatus
from app.parking.services._shared import FINE_DOMAIN, MANDATE_SCOPE, POLICE_SCOPE
from app.parking.services.violations import get_violation
from app.payments import services as payments

MAX_EVIDENCE = 5
COMPLAINT_CATEGORY = "0404"  # 12345 category 交通违法处理: the traffic police handle it
REVIEW_WORKING_DAYS = 5  # the police decide an appeal within this many working days


def review_deadline(now: datetime) -> datetime:
    """The end of the fifth working day after today (Asia/Shanghai)."""
    last_day = load_calendar().add_working_days(business_date(now), REVIEW_WORKING_DAYS)
    return datetime.combine(last_day + timedelta(days=1), time(), SHANGHAI)


def appeal_violation(
    actor: Actor, violation_id: uuid.UUID, kind: str, description: str, evidence: list[str]
) -> ViolationDispute:
    """Appeal an unpaid violation of my plate, with reasons and references of what shows them."""
    resident = acting_for(actor, MANDATE_SCOPE)
    violation = get_violation(actor, violation_id, lock=True)
    if violation.status != ViolationStatus.UNPAID:
        raise AppealClosed()
    if payments.active_intent_for(FINE_DOMAIN, str(violation.id)):
        raise payments.PaymentInProgress()
    if db.session.scalar(db.select(ViolationDispute.id).where(ViolationDispute.violation_id == violation.id)):
        raise AppealClosed()
    now = utcnow()
    dispute = ViolationDispute(
        violation=violation,
        person_id=resident,
        raised_by_id=actor.person_id,
        police_client_id=violation.police_client_id,
        kind=kind,
        description=description.strip(),
        evidence=list(dict.fromkeys(evidence))[:MAX_EVIDENCE],
        answer_due_at=review_deadline(now),
    )
    violation.status = ViolationStatus.DISPUTED
    db.session.add(dispute)
    db.session.flush()
    notices.violation_appeal_raised(dispute)
    return dispute


def list_appeals(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """My appeals, newest first."""
    resident = access.list_owner(actor, MANDATE_SCOPE, "traffic_violation_dispute")
    stmt = db.select(ViolationDispute).where(ViolationDispute.person_id == resident)
    return paginate(stmt, ViolationDispute.id, cursor=cursor, limit=limit)


def get_appeal(actor: Actor, dispute_id: uuid.UUID) -> ViolationDispute:
    """One of my appeals (404 for anyone else's)."""
    return access.load_private(
        actor, ViolationDispute, dispute_id, scope=MANDATE_SCOPE, resource="traffic_violation_dispute"
    )


def police_appeals(actor: Actor, *, status: str | None, cursor: str | None, limit: int) -> Page:
    """Appeals of the acting police client's violations, oldest first (each read in the driver's log)."""
    stmt = db.select(ViolationDispute).where(ViolationDispute.police_client_id == actor.client_id)
    if status is not None:
        stmt = stmt.where(ViolationDispute.status == status)
    page = paginate(stmt, ViolationDispute.id, cursor=cursor, limit=limit, newest_first=False)
    for dispute in page.items:
        audit.record(
            actor, dispute.person_id, AuditAction.READ, "traffic_violation_dispute", dispute.id, "appeal"
        )
    return page


def decide_appeal(
    actor: Actor, dispute_id: uuid.UUID, accepted: bool, answer: str, reviewer: str | None = None
) -> ViolationDispute:
    """The police accept an appeal (the violation is withdrawn) or reject it (payable again), with reasons."""
    dispute = db.session.get(
        ViolationDispute, dispute_id, with_for_update={"of": ViolationDispute}, populate_existing=True
    )
    if dispute is None or not is_client(actor, dispute.police_client_id, POLICE_SCOPE):
        raise NotFound()
    if dispute.answered_at is not None or dispute.status not in (DisputeStatus.OPEN, DisputeStatus.ESCALATED):
        raise AppealClosed(gettext("This appeal was decided already."))
    violation = db.session.get(Violation, dispute.violation_id, with_for_update=True, populate_existing=True)
    now = utcnow()
    if accepted:
        violation.status = ViolationStatus.WITHDRAWN
    else:
        violation.status = ViolationStatus.UNPAID
        violation.pay_by = max(violation.last_free_day, TRAFFIC_FINE.last_free_day(business_date(now)))
        violation.reminded_at = None
    dispute.status = DisputeStatus.ACCEPTED if accepted else DisputeStatus.REJECTED
    dispute.answer, dispute.answered_at = answer.strip()[:500], now
    dispute.reviewer = reviewer.strip()[:60] if reviewer else None
    audit.record(
        actor, dispute.person_id, AuditAction.CHANGE, "traffic_violation_dispute", dispute.id, dispute.status
    )
    db.session.flush()
    notices.violation_appeal_decided(dispute)
    return dispute


def escalate_appeal(actor: Actor, dispute_id: uuid.UUID, note: str = "") -> ViolationDispute:
    """Take a rejected (or undecided past its deadline) appeal to 12345 with the violation attached, once."""
    acting_for(actor, MANDATE_SCOPE)
    access.load_private(
        actor, ViolationDispute, dispute_id, scope=MANDATE_SCOPE, action=AuditAction.CHANGE,
        resource="traffic_violation_dispute",
    )  # fmt: skip
    dispute = db.session.get(
        ViolationDispute, dispute_id, with_for_update={"of": ViolationDispute}, populate_existing=True
    )
    complaints.escalate_dispute(
        actor, dispute, category_code=COMPLAINT_CATEGORY, attachment=_attachment(dispute), note=note
    )
    return dispute


def _attachment(dispute: ViolationDispute) -> complaints.Attachment:
    """The appealed violation as 12345 staff read it, in their language: the facts, the police's answer."""
    violation = dispute.violation
    facts = [
        (in_every_locale(_l("Appeal")), in_every_locale(lambda: dispute.kind_label)),
        (in_every_locale(_l("Violation reference")), violation.reference),
        (in_every_locale(_l("Plate")), violation.plate),
        (in_every_locale(_l("When")), violation.occurred_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")),
        (in_every_locale(_l("Where")), violation.place),
        (in_every_locale(_l("Offence")), f"{violation.offence_code} {violation.offence}"),
        (in_every_locale(_l("Fine")), violation.fine.format()),
        (
            in_every_locale(_l("The police answered")),
            dispute.answer or in_every_locale(_l("No answer by the deadline.")),
        ),
    ]
    title = in_every_locale(lambda: gettext("Traffic violation appeal: %(kind)s", kind=dispute.kind_label))
    return complaints.Attachment(
        kind="traffic_violation_appeal",
        title=title,
        facts=facts,
        reference=f"traffic_violation_dispute:{dispute.id}",
    )
