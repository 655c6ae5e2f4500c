"""What bills tell residents (outbox notifications) and billers (signed webhooks), each exactly once.

Every function writes outbox rows in the caller's transaction with a dedupe key naming what happened
to what, so a repeated sweep, callback or request sends nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l

from app.bills.models import Bill, BillDispute, Biller, BillReceipt, UtilityAccount, format_code
from app.core.money import Money
from app.notifications import services as notifications
from app.notifications.services import Localized

TOPIC = "bills"

notifications.register_topic(TOPIC, label=_l("Bills"), default_channels=("sms", "telegram"))
notifications.register_template(
    "bill_issued",
    topic=TOPIC,
    title=_l("New bill"),
    body=_l("Your %(biller)s bill for %(period)s is %(amount)s, due %(due_date)s."),
)
notifications.register_template(
    "bill_due",
    topic=TOPIC,
    title=_l("Bill due soon"),
    body=_l("Your %(biller)s bill of %(amount)s is due %(due_date)s."),
)
notifications.register_template(
    "bill_overdue",
    topic=TOPIC,
    title=_l("Bill overdue"),
    body=_l("Your %(biller)s bill of %(amount)s was due %(due_date)s. Please pay it soon."),
)
notifications.register_template(
    "autopay_failed",
    topic=TOPIC,
    title=_l("Autopay failed"),
    body=_l(
        "We could not pay your %(biller)s bill of %(amount)s automatically. Please pay it by %(due_date)s."
    ),
)
notifications.register_template(
    "payment_refunded",
    topic=TOPIC,
    title=_l("Refund issued"),
    body=_l("A refund of %(amount)s for %(item)s is on its way back to you."),
)
notifications.register_template(
    "bill_paid",
    topic=TOPIC,
    title=_l("Bill paid"),
    body=_l(
        "Your %(biller)s bill for %(period)s (%(amount)s) is paid. "
        "Receipt %(receipt_no)s, verification code %(code)s."
    ),
)
notifications.register_template(
    "bill_autopay_over_limit",
    topic=TOPIC,
    title=_l("Please pay this bill yourself"),
    body=_l(
        "Your %(biller)s bill of %(amount)s is over your autopay limit of %(limit)s. "
        "Please pay it by %(due_date)s."
    ),
)
notifications.register_template(
    "bill_account_confirmed",
    topic=TOPIC,
    title=_l("Account confirmed"),
    body=_l("%(biller)s confirmed your account %(account)s. Its bills will appear in the app."),
)
notifications.register_template(
    "bill_account_refused",
    topic=TOPIC,
    title=_l("Account not confirmed"),
    body=_l("%(biller)s could not confirm your account %(account)s: %(reason)s"),
)
notifications.register_template(
    "bill_dispute_answered",
    topic=TOPIC,
    title=_l("Your dispute was answered"),
    body=_l("%(biller)s answered your dispute about the payment of %(amount)s: %(answer)s"),
)
notifications.register_template(
    "bill_dispute_unanswered",
    topic=TOPIC,
    title=_l("No answer to your dispute"),
    body=_l(
        "%(biller)s did not answer your dispute about the payment of %(amount)s by %(deadline)s. "
        "You can take it to 12345 in the app."
    ),
)


def _biller(biller: Biller) -> Localized:
    return Localized(biller.names)


# --- residents ----------------------------------------------------------------------------------


def bill_issued(bill: Bill, holders: Iterable[uuid.UUID]) -> None:
    """A new bill for an account the person bound."""
    for person_id in holders:
        notifications.notify(
            person_id,
            "bill_issued",
            {
                "biller": _biller(bill.biller),
                "period": bill.period,
                "amount": bill.amount,
                "due_date": bill.due_date,
            },
            topic=TOPIC,
            dedupe_key=f"bills:issued:{bill.id}:{person_id}",
        )


def bill_due(bill: Bill, holders: Iterable[uuid.UUID]) -> None:
    """The bill is due soon (once per due date)."""
    _reminder("bill_due", "due", bill, holders)


def bill_overdue(bill: Bill, holders: Iterable[uuid.UUID]) -> None:
    """The bill is past its due date (once per due date)."""
    _reminder("bill_overdue", "overdue", bill, holders)


def _reminder(template: str, kind: str, bill: Bill, holders: Iterable[uuid.UUID]) -> None:
    for person_id in holders:
        notifications.notify(
            person_id,
            template,
            {"biller": _biller(bill.biller), "amount": bill.amount, "due_date": bill.due_date},
            topic=TOPIC,
            dedupe_key=f"bills:{kind}:{bill.id}:{bill.due_date.isoformat()}:{person_id}",
        )


def bill_paid(receipt: BillReceipt, bill: Bill, payer_id: uuid.UUID) -> None:
    """Tell the payer the bill is paid, with the receipt's code; tell the biller by webhook."""
    notifications.notify(
        payer_id,
        "bill_paid",
        {
            "biller": _biller(bill.biller),
            "period": bill.period,
            "amount": receipt.amount,
            "receipt_no": receipt.receipt_no,
            "code": format_code(receipt.code),
        },
        topic=TOPIC,
        dedupe_key=f"bills:paid:{receipt.id}",
    )
    notifications.notify_client(
        bill.biller.client_id,
        "bill.paid",
        {
            "bill_no": bill.bill_no,
            "account_number": bill.account_number,
            "period": bill.period,
            "amount_fen": receipt.amount_fen,
            "currency": receipt.currency,
            "paid_at": receipt.paid_at.isoformat(),
            "payment_id": str(receipt.payment_id),
            "receipt_no": receipt.receipt_no,
        },
        dedupe_key=f"bills:webhook:paid:{receipt.id}",
    )


def payment_refunded(
    bills: list[Bill], refund_id: uuid.UUID, payer_id: uuid.UUID, amount: Money, fully: bool
) -> None:
    """Tell the payer money came back; tell the biller which bills it was for (reopened when fully)."""
    biller = bills[0].biller
    periods = ", ".join(sorted({bill.period for bill in bills}))
    notifications.notify(
        payer_id,
        "payment_refunded",
        {"amount": amount, "item": Localized({k: f"{v} {periods}" for k, v in biller.names.items()})},
        topic=TOPIC,
        dedupe_key=f"bills:refund:{refund_id}",
    )
    notifications.notify_client(
        biller.client_id,
        "bill.refunded",
        {
            "bills": [{"bill_no": bill.bill_no, "account_number": bill.account_number} for bill in bills],
            "refund_id": str(refund_id),
            "amount_fen": amount.fen,
            "currency": amount.currency,
            "bills_reopened": fully,
        },
        dedupe_key=f"bills:webhook:refund:{refund_id}",
    )


def autopay_over_limit(bill: Bill, person_id: uuid.UUID, limit: Money) -> None:
    """Autopay would not pay this bill: it is over the person's limit."""
    notifications.notify(
        person_id,
        "bill_autopay_over_limit",
        {"biller": _biller(bill.biller), "amount": bill.amount, "limit": limit, "due_date": bill.due_date},
        topic=TOPIC,
        dedupe_key=f"bills:autopay-over-limit:{bill.id}:{bill.amount_fen}:{person_id}",
    )


def autopay_failed(bill: Bill, person_id: uuid.UUID, payment_id: uuid.UUID) -> None:
    """The automatic payment of this bill failed: the person pays it by hand."""
    notifications.notify(
        person_id,
        "autopay_failed",
        {"biller": _biller(bill.biller), "amount": bill.amount, "due_date": bill.due_date},
        topic=TOPIC,
        dedupe_key=f"bills:autopay-failed:{payment_id}:{bill.id}",
    )


def account_decided(account: UtilityAccount, at: datetime) -> None:
    """The biller confirmed or refused a binding it was asked to confirm."""
    params = {"biller": _biller(account.biller), "account": account.account_number}
    template = "bill_account_confirmed"
    if account.refusal_reason is not None:
        template, params["reason"] = "bill_account_refused", account.refusal_reason
    notifications.notify(
        account.person_id,
        template,
        params,
        topic=TOPIC,
        dedupe_key=f"bills:account:{account.id}:{account.status}:{at.isoformat()}",
    )


def dispute_answered(dispute: BillDispute) -> None:
    """The biller answered the person's dispute."""
    notifications.notify(
        dispute.person_id,
        "bill_dispute_answered",
        {"biller": _biller(dispute.biller), "amount": _disputed(dispute), "answer": dispute.answer or ""},
        topic=TOPIC,
        dedupe_key=f"bills:dispute-answered:{dispute.id}",
    )


def dispute_unanswered(dispute: BillDispute) -> None:
    """The biller let the deadline pass: the person may go to 12345."""
    notifications.notify(
        dispute.person_id,
        "bill_dispute_unanswered",
        {"biller": _biller(dispute.biller), "amount": _disputed(dispute), "deadline": dispute.answer_due_at},
        topic=TOPIC,
        dedupe_key=f"bills:dispute-unanswered:{dispute.id}",
    )


def _disputed(dispute: BillDispute) -> Money:
    return Money(dispute.evidence["amount_fen"], dispute.evidence["currency"])


# --- billers ------------------------------------------------------------------------------------


def binding_requested(account: UtilityAccount, at: datetime) -> None:
    """Ask the biller to confirm a binding (it reads the details through its API)."""
    notifications.notify_client(
        account.biller.client_id,
        "account.binding_requested",
        {"binding_id": str(account.id), "account_number": account.account_number},
        dedupe_key=f"bills:webhook:binding:{account.id}:{at.isoformat()}",
    )


def fetch_requested(account: UtilityAccount, at: datetime) -> None:
    """Ask the biller to push the account's current bill now (at most once an hour per account)."""
    notifications.notify_client(
        account.biller.client_id,
        "bill.fetch_requested",
        {"account_number": account.account_number, "requested_at": at.isoformat()},
        dedupe_key=f"bills:webhook:fetch:{account.id}:{at:%Y%m%d%H}",
    )


def dispute_opened(dispute: BillDispute) -> None:
    """Tell the biller a dispute awaits its answer, and by when."""
    notifications.notify_client(
        dispute.biller.client_id,
        "bill.dispute_opened",
        {
            "dispute_id": str(dispute.id),
            "payment_id": str(dispute.payment_id),
            "kind": dispute.kind,
            "answer_due_at": dispute.answer_due_at.isoformat(),
        },
        dedupe_key=f"bills:webhook:dispute:{dispute.id}",
    )
