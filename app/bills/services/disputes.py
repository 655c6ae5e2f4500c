"""Disputes about a payment: raised by residents, answered by billers, escalated to 12345."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.bills import notices
from app.bills.errors import (
    DisputeAnswered,
    DisputeExists,
    PaymentNotDisputable,
)
from app.bills.models import (
    Bill,
    BillDispute,
    Biller,
    BillReceipt,
    DisputeStatus,
    mask_account,
)
from app.bills.services._shared import DISPUTE_CATEGORY, DOMAIN, MANDATE_SCOPE, business_date
from app.bills.services.registry import biller_for_client, category_label
from app.complaints import services as complaints
from app.core import access, audit
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.calendar import SHANGHAI, load_calendar
from app.core.errors import NotFound
from app.core.i18n import in_every_locale
from app.core.models import add_new, utcnow
from app.core.money import Money
from app.core.pagination import Page, paginate
from app.core.policy import acting_for
from app.extensions import db
from app.payments import services as payments


def raise_dispute(
    actor: Actor, payment_id: uuid.UUID, kind: str, description: str, now: datetime | None = None
) -> BillDispute:
    """Dispute a completed bill payment; the biller must answer within the working days the city sets."""
    now = now or utcnow()
    resident = acting_for(actor, MANDATE_SCOPE)
    intent = payments.get_intent(actor, payment_id)
    if intent.purpose_domain != DOMAIN or intent.payer_id != resident:
        raise NotFound()
    if intent.status != payments.PaymentStatus.SUCCEEDED:
        raise PaymentNotDisputable()
    if db.session.scalar(db.select(BillDispute.id).where(BillDispute.payment_id == intent.id)):
        raise DisputeExists()
    bills = list(
        db.session.scalars(db.select(Bill).where(Bill.id.in_([uuid.UUID(r) for r in intent.purpose_ids])))
    )
    biller = db.session.scalar(db.select(Biller).where(Biller.client_id == intent.payee_id))
    if biller is None or not bills:
        raise NotFound()
    dispute = BillDispute(
        payment_id=intent.id,
        person_id=resident,
        raised_by_id=actor.person_id,
        biller_id=biller.id,
        kind=kind,
        description=description.strip(),
        status=DisputeStatus.OPEN,
        evidence=_evidence(intent, biller, bills),
        answer_due_at=answer_deadline(now),
    )
    if not add_new(dispute):
        raise DisputeExists()
    notices.dispute_opened(dispute)
    return dispute


def answer_deadline(now: datetime) -> datetime:
    """The end of the N-th working day after today (Asia/Shanghai): when the biller must have answered."""
    days = current_app.config["BILLS_DISPUTE_ANSWER_WORKING_DAYS"]
    last_day = load_calendar().add_working_days(business_date(now), days)
    return datetime.combine(last_day + timedelta(days=1), time(), SHANGHAI).astimezone(now.tzinfo)


def _evidence(intent, biller: Biller, bills: list[Bill]) -> dict:
    receipts = db.session.scalars(db.select(BillReceipt).where(BillReceipt.payment_id == intent.id)).all()
    return {
        "payment_id": str(intent.id),
        "amount_fen": intent.amount_fen,
        "currency": intent.currency,
        "paid_at": intent.settled_at.isoformat() if intent.settled_at else None,
        "provider": intent.provider,
        "provider_ref": intent.provider_ref,
        "biller_code": biller.code,
        "biller_name": biller.name_zh_hans,
        "biller_names": biller.names,
        "biller_category": biller.category,
        "bills": [
            {
                "bill_no": bill.bill_no,
                "period": bill.period,
                "amount_fen": bill.amount_fen,
                "account": mask_account(bill.account_number),
            }
            for bill in sorted(bills, key=lambda b: b.bill_no)
        ],
        "receipts": sorted(receipt.receipt_no for receipt in receipts),
    }


def list_disputes(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """The resident's disputes, newest first."""
    resident = access.list_owner(actor, MANDATE_SCOPE, "bill_dispute")
    stmt = db.select(BillDispute).where(BillDispute.person_id == resident)
    return paginate(stmt, BillDispute.id, cursor=cursor, limit=limit)


def get_dispute(actor: Actor, dispute_id: uuid.UUID, *, lock: bool = False) -> BillDispute:
    """One of the resident's disputes (404 for anyone else's)."""
    return access.load_private(actor, BillDispute, dispute_id, scope=MANDATE_SCOPE, lock=lock)


def biller_disputes(actor: Actor, *, status: str | None, cursor: str | None, limit: int) -> Page:
    """The disputes about the calling biller's payments, oldest first (each read is in the resident's log)."""
    biller = biller_for_client(actor)
    stmt = db.select(BillDispute).where(BillDispute.biller_id == biller.id)
    if status is not None:
        stmt = stmt.where(BillDispute.status == status)
    page = paginate(stmt, BillDispute.id, cursor=cursor, limit=limit, newest_first=False)
    for dispute in page.items:
        audit.record(actor, dispute.person_id, AuditAction.READ, "bill_dispute", dispute.id)
    return page


def answer_dispute(
    actor: Actor, dispute_id: uuid.UUID, accepted: bool, answer: str, now: datetime | None = None
) -> BillDispute:
    """The biller accepts or rejects a dispute, with its explanation (late answers are still recorded)."""
    biller = biller_for_client(actor)
    dispute = db.session.scalar(
        db.select(BillDispute).where(BillDispute.id == dispute_id).with_for_update(of=BillDispute)
    )
    if dispute is None or dispute.biller_id != biller.id:
        raise NotFound()
    if dispute.status != DisputeStatus.OPEN:
        raise DisputeAnswered()
    dispute.status = DisputeStatus.ACCEPTED if accepted else DisputeStatus.REJECTED
    dispute.decision = dispute.status
    dispute.answer, dispute.answered_at = answer.strip()[:500], now or utcnow()
    audit.record(actor, dispute.person_id, AuditAction.CHANGE, "bill_dispute", dispute.id, dispute.decision)
    db.session.flush()
    notices.dispute_answered(dispute)
    return dispute


def note_unanswered_disputes(now: datetime | None = None, limit: int = 500) -> int:
    """Tell residents whose dispute the biller let pass its deadline that they may go to 12345 (once)."""
    now = now or utcnow()
    late = db.session.scalars(
        db.select(BillDispute)
        .where(
            BillDispute.status == DisputeStatus.OPEN,
            BillDispute.answer_due_at <= now,
            BillDispute.overdue_notified_at.is_(None),
        )
        .order_by(BillDispute.answer_due_at)
        .limit(limit)
        .with_for_update(of=BillDispute, skip_locked=True)
    ).all()
    for dispute in late:
        notices.dispute_unanswered(dispute)
        dispute.overdue_notified_at = now
    db.session.flush()
    return len(late)


def escalate_dispute(
    actor: Actor, dispute_id: uuid.UUID, *, note: str = "", identity_visible: bool = True, now=None
) -> BillDispute:
    """Turn a rejected or unanswered dispute into a 12345 complaint carrying the payment evidence."""
    dispute = get_dispute(actor, dispute_id, lock=True)
    complaints.escalate_dispute(
        actor,
        dispute,
        category_code=DISPUTE_CATEGORY,
        attachment=_attachment(dispute),
        note=note,
        identity_visible=identity_visible,
        now=now,
    )
    return dispute


def _shanghai_time(moment: str | None) -> str:
    return datetime.fromisoformat(moment).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""


def _attachment(dispute: BillDispute) -> complaints.Attachment:
    """The disputed payment as 12345 staff read it, in their language: the facts, the biller's answer."""
    evidence = dispute.evidence
    currency = evidence["currency"]
    facts = [
        (in_every_locale(_l("Dispute")), in_every_locale(lambda: dispute.kind_label)),
        (in_every_locale(_l("Biller")), evidence.get("biller_names") or evidence["biller_name"]),
        (
            in_every_locale(_l("Category")),
            in_every_locale(lambda: category_label(evidence["biller_category"])),
        ),
        (in_every_locale(_l("Payment")), str(evidence["payment_id"])),
        (in_every_locale(_l("Amount")), Money(evidence["amount_fen"], currency).format()),
        (in_every_locale(_l("Paid at")), _shanghai_time(evidence["paid_at"])),
    ]
    for bill in evidence["bills"]:
        summary = f"{bill['bill_no']} · {bill['account']} · {bill['period']} · "
        facts.append((in_every_locale(_l("Bill")), summary + Money(bill["amount_fen"], currency).format()))
    answer = dispute.answer or in_every_locale(_l("No answer by the deadline."))
    facts.append((in_every_locale(_l("The biller answered")), answer))
    title = in_every_locale(
        lambda: gettext("Utility bill payment dispute: %(kind)s", kind=dispute.kind_label)
    )
    return complaints.Attachment(
        kind="bill_dispute", title=title, facts=facts, reference=f"bill_dispute:{dispute.id}"
    )
