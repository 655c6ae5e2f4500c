"""Utility bills over HTTP: residents (and family members with a mandate), billers, the public, staff."""

from __future__ import annotations

from flask import Response

from app.bills import services
from app.bills.schemas import (
    AccountCreateSchema,
    AccountSchema,
    AutopayRequestSchema,
    AutopaySchema,
    BillDetailSchema,
    BillerBillSchema,
    BillerDisputeQuerySchema,
    BillerDisputeSchema,
    BillerQuerySchema,
    BillerSaveSchema,
    BillerSchema,
    BillPaymentRequestSchema,
    BillPaymentSchema,
    BillPushSchema,
    BillQuerySchema,
    BillSchema,
    BindingDecisionSchema,
    BindingSchema,
    DisputeAnswerSchema,
    DisputeCreateSchema,
    DisputeSchema,
    EscalateSchema,
    PaidElsewhereSchema,
    PushResultSchema,
    ReceiptSchema,
    ReceiptVerificationSchema,
    StaffBillerSchema,
    VerifyQuerySchema,
    load_push_items,
)
from app.core.actors import ActorKind, Role
from app.core.api import ApiBlueprint, current_actor
from app.core.idempotency import current_key
from app.core.pagination import PageArgsSchema, page_schema
from app.extensions import limiter

blp = ApiBlueprint(
    "bills", __name__, description="Utility bills (生活缴费): accounts, bills, payment, receipts"
)
biller_blp = ApiBlueprint(
    "biller", __name__, description="Billers: push bills, confirm accounts, answer disputes"
)
staff_blp = ApiBlueprint("staff_bills", __name__, description="The biller registry (administrators)")

BILLER = {"scopes": (services.WRITE_SCOPE,), "kinds": (ActorKind.CLIENT,)}


# --- the registry and receipts: public ----------------------------------------------------------


@blp.route("/bills/billers")
@blp.arguments(BillerQuerySchema, location="query")
@blp.response(200, BillerSchema(many=True))
def list_billers(args):
    """The biller registry: who can be paid, per city and category, and how each identifies an account."""
    return services.list_billers(**args)


@blp.route("/bills/receipts/verify")
@limiter.limit("30 per minute")
@blp.arguments(VerifyQuerySchema, location="query")
@blp.response(200, ReceiptVerificationSchema)
def verify_receipt(args):
    """Check an e-receipt by its verification code (anyone; shows no personal data)."""
    return services.verify_receipt(args["code"])


# --- accounts -----------------------------------------------------------------------------------


@blp.route("/bills/accounts")
@blp.auth()
@blp.response(200, AccountSchema(many=True))
def list_accounts():
    """My bound accounts (户号); a family member with a bills mandate sees the grantor's."""
    return services.list_accounts(current_actor())


@blp.route("/bills/accounts", methods=["POST"])
@blp.auth()
@blp.arguments(AccountCreateSchema)
@blp.response(201, AccountSchema)
def bind_account(body):
    """Bind an account with a biller; checked against the biller's fields, then confirmed by the biller.

    Billers confirming by rule answer at once (a refusal is a 422 with the biller's reason);
    others confirm later through their API (the account stays ``pending`` until then).
    """
    account = services.bind_account(current_actor(), **body)
    return account


@blp.route("/bills/accounts/<uuid:account_id>")
@blp.auth()
@blp.response(200, AccountSchema)
def get_account(account_id):
    """One of my accounts."""
    return services.get_account(current_actor(), account_id)


@blp.route("/bills/accounts/<uuid:account_id>", methods=["DELETE"])
@blp.auth()
@blp.response(204)
def unbind_account(account_id):
    """Unbind an account (its autopay stops; paid bills stay in my payments)."""
    services.unbind_account(current_actor(), account_id)
    return Response(status=204)


@blp.route("/bills/accounts/<uuid:account_id>/fetch", methods=["POST"])
@blp.auth()
@blp.response(200, BillSchema(many=True))
def fetch_bills(account_id):
    """Ask the biller for the account's current bill now (billers with supports_fetch); its unpaid bills."""
    bills = services.fetch_bills(current_actor(), account_id)
    return bills


@blp.route("/bills/accounts/<uuid:account_id>/autopay", methods=["PUT"])
@blp.auth()
@blp.arguments(AutopayRequestSchema)
@blp.response(200, AutopaySchema)
def set_autopay(body, account_id):
    """Pay new bills within a limit automatically, N days before due; larger ones ask me to pay by hand."""
    rule = services.set_autopay(current_actor(), account_id, body["limit"], body["days_before_due"])
    return rule


@blp.route("/bills/accounts/<uuid:account_id>/autopay", methods=["DELETE"])
@blp.auth()
@blp.response(204)
def remove_autopay(account_id):
    """Stop autopay for an account."""
    services.remove_autopay(current_actor(), account_id)
    return Response(status=204)


# --- bills and paying them ------------------------------------------------------------------------


@blp.route("/bills")
@blp.auth()
@blp.arguments(BillQuerySchema, location="query")
@blp.response(200, page_schema(BillSchema))
def list_bills(args):
    """The bills of my accounts, newest first: unpaid, overdue, paid or cancelled."""
    return services.list_bills(current_actor(), **args)


@blp.route("/bills/<uuid:bill_id>")
@blp.auth()
@blp.response(200, BillDetailSchema)
def get_bill(bill_id):
    """One bill with its line items and the payment holding it, if any."""
    return services.bill_detail(current_actor(), bill_id)


@blp.route("/bills/<uuid:bill_id>/receipt")
@blp.auth()
@blp.response(200, ReceiptSchema)
def bill_receipt(bill_id):
    """The e-receipt of a bill paid through Yimatong, with its verification code."""
    return services.receipt_for_bill(current_actor(), bill_id)


@blp.route("/bills/payments", methods=["POST"])
@blp.auth()
@blp.idempotent()
@blp.arguments(BillPaymentRequestSchema)
@blp.response(201, BillPaymentSchema)
def pay_bills(body):
    """Pay one or several bills of ONE biller in one payment (send an Idempotency-Key).

    Bills of several billers are refused (422): pay each biller's bills separately. A bill being
    paid already is refused with 409 ``payment-in-progress``, a paid one with 409
    ``payment-already-paid``. The payment settles asynchronously (see /payments/{id}).
    """
    intent = services.pay_bills(current_actor(), body["bill_ids"], current_key())
    return intent


# --- disputes -----------------------------------------------------------------------------------


@blp.route("/bills/disputes", methods=["POST"])
@blp.auth()
@blp.arguments(DisputeCreateSchema)
@blp.response(201, DisputeSchema)
def raise_dispute(body):
    """Dispute a completed bill payment; the biller must answer within the set working days."""
    dispute = services.raise_dispute(current_actor(), body["payment_id"], body["kind"], body["description"])
    return dispute


@blp.route("/bills/disputes")
@blp.auth()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(DisputeSchema))
def list_disputes(args):
    """My disputes, newest first."""
    return services.list_disputes(current_actor(), **args)


@blp.route("/bills/disputes/<uuid:dispute_id>")
@blp.auth()
@blp.response(200, DisputeSchema)
def get_dispute(dispute_id):
    """One of my disputes, with the biller's answer."""
    return services.get_dispute(current_actor(), dispute_id)


@blp.route("/bills/disputes/<uuid:dispute_id>/escalate", methods=["POST"])
@blp.auth()
@blp.arguments(EscalateSchema)
@blp.response(200, DisputeSchema)
def escalate_dispute(body, dispute_id):
    """Take a rejected or unanswered dispute to 12345 as a complaint carrying the payment evidence."""
    dispute = services.escalate_dispute(current_actor(), dispute_id, **body)
    return dispute


# --- billers ------------------------------------------------------------------------------------


@biller_blp.route("/biller/bills", methods=["POST"])
@biller_blp.auth(**BILLER)
@biller_blp.arguments(BillPushSchema)
@biller_blp.response(200, PushResultSchema)
def push_bills(body):
    """Push up to 500 bills; each is accepted (created, updated or unchanged) or refused with a reason.

    The bill number is the key: the same bill again is a no-op, a changed one updates it while unpaid.
    Bills for accounts no resident has bound (and the biller confirmed) are refused.
    """
    items, errors = load_push_items(body["bills"])
    outcome = services.push_bills(current_actor(), items, errors)
    return outcome


@biller_blp.route("/biller/bills/<string:bill_no>")
@biller_blp.auth(**BILLER)
@biller_blp.response(200, BillerBillSchema)
def biller_bill(bill_no):
    """One of my bills by its number, with how and when it was paid."""
    return services.biller_bill(current_actor(), bill_no)


@biller_blp.route("/biller/bills/<string:bill_no>/paid-elsewhere", methods=["POST"])
@biller_blp.auth(**BILLER)
@biller_blp.arguments(PaidElsewhereSchema)
@biller_blp.response(200, BillerBillSchema)
def paid_elsewhere(body, bill_no):
    """Mark a bill paid at my counter or another channel (409 while a resident is paying it here)."""
    bill = services.mark_paid_elsewhere(current_actor(), bill_no, **body)
    return bill


@biller_blp.route("/biller/bills/<string:bill_no>/cancel", methods=["POST"])
@biller_blp.auth(**BILLER)
@biller_blp.response(200, BillerBillSchema)
def cancel_bill(bill_no):
    """Withdraw an unpaid bill issued in error."""
    bill = services.cancel_bill(current_actor(), bill_no)
    return bill


@biller_blp.route("/biller/account-bindings")
@biller_blp.auth(**BILLER)
@biller_blp.arguments(PageArgsSchema, location="query")
@biller_blp.response(200, page_schema(BindingSchema))
def pending_bindings(args):
    """Bindings waiting for my answer, oldest first (each read is written to the resident's access log)."""
    result = services.pending_bindings(current_actor(), **args)
    return result


@biller_blp.route("/biller/account-bindings/<uuid:account_id>/decision", methods=["POST"])
@biller_blp.auth(**BILLER)
@biller_blp.arguments(BindingDecisionSchema)
@biller_blp.response(200, BindingSchema)
def decide_binding(body, account_id):
    """Confirm that the resident holds the account, or refuse with a reason they will see."""
    account = services.decide_binding(current_actor(), account_id, body["confirmed"], body["reason"])
    return account


@biller_blp.route("/biller/disputes")
@biller_blp.auth(**BILLER)
@biller_blp.arguments(BillerDisputeQuerySchema, location="query")
@biller_blp.response(200, page_schema(BillerDisputeSchema))
def biller_disputes(args):
    """Disputes about payments to me, oldest first, with the payment evidence."""
    page = services.biller_disputes(current_actor(), **args)
    return page


@biller_blp.route("/biller/disputes/<uuid:dispute_id>/answer", methods=["POST"])
@biller_blp.auth(**BILLER)
@biller_blp.arguments(DisputeAnswerSchema)
@biller_blp.response(200, BillerDisputeSchema)
def answer_dispute(body, dispute_id):
    """Accept or reject a dispute, with an explanation the resident will read."""
    accepted = body["decision"] == "accepted"
    dispute = services.answer_dispute(current_actor(), dispute_id, accepted, body["answer"])
    return dispute


# --- administrators -------------------------------------------------------------------------------


@staff_blp.route("/bills/billers")
@staff_blp.auth(roles=(Role.ADMIN,))
@staff_blp.arguments(PageArgsSchema, location="query")
@staff_blp.response(200, page_schema(StaffBillerSchema))
def staff_billers(page):
    """Every biller, active or not, in the order they were registered."""
    return services.all_billers(current_actor(), **page)


@staff_blp.route("/bills/billers/<string:code>", methods=["PUT"])
@staff_blp.auth(roles=(Role.ADMIN,))
@staff_blp.arguments(BillerSaveSchema)
@staff_blp.response(200, StaffBillerSchema)
def save_biller(body, code):
    """Register a biller under a code, or change it."""
    biller, _created = services.save_biller(current_actor(), code, body)
    return biller
