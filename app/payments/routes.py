"""My payments, refunds, provider callbacks and the daily settlement of each payee."""

from flask import Response, request

from app.core.api import ApiBlueprint, current_actor
from app.core.idempotency import current_key
from app.core.pagination import page_schema
from app.payments import services
from app.payments.schemas import (
    CallbackReceiptSchema,
    PaymentListArgsSchema,
    PaymentSchema,
    RefundRequestSchema,
    RefundSchema,
    SandboxCallbackSchema,
    SettlementArgsSchema,
    SettlementReportSchema,
    settlement_csv,
)

blp = ApiBlueprint("payments", __name__, description="Payments, refunds and daily settlement")

CSV_TYPE = "text/csv"
CSV_DOC = {"schema": {"type": "string"}, "description": "The settlement as CSV (details, then a summary)"}


@blp.route("/payments")
@blp.auth()
@blp.arguments(PaymentListArgsSchema, location="query")
@blp.response(200, page_schema(PaymentSchema))
def list_payments(args):
    """My payments, newest first."""
    return services.list_intents(current_actor(), **args)


@blp.route("/payments/<uuid:payment_id>")
@blp.auth()
@blp.response(200, PaymentSchema)
def get_payment(payment_id):
    """One of my payments, with its refunds."""
    return services.get_intent(current_actor(), payment_id)


@blp.route("/payments/<uuid:payment_id>/cancel", methods=["POST"])
@blp.auth()
@blp.response(200, PaymentSchema)
def cancel_payment(payment_id):
    """Cancel one of my payments while it is still pending."""
    intent = services.cancel_intent(current_actor(), payment_id)
    return intent


@blp.route("/payments/<uuid:payment_id>/refunds", methods=["POST"])
@blp.auth()
@blp.idempotent()
@blp.arguments(RefundRequestSchema)
@blp.response(201, RefundSchema)
def refund_payment(body, payment_id):
    """Refund part or all of a payment (the payee's client with payments:refund, or administrators)."""
    refund = services.refund(current_actor(), payment_id, body["amount"], body["reason"], current_key())
    return refund


@blp.route("/payments/settlements")
@blp.auth()
@blp.arguments(SettlementArgsSchema, location="query")
@blp.response(200, SettlementReportSchema)
@blp.alt_response(
    200,
    content_type=CSV_TYPE,
    success=True,
    schema=CSV_DOC["schema"],
    description="The settlement report; as CSV (details, then a summary) with Accept: text/csv",
)
def settlement(args):
    """A payee's settlement for one business day (administrators, the payee's client, a shop's owner).

    Send ``Accept: text/csv`` (or use the ``.csv`` route) for the CSV export.
    """
    wants_csv = request.accept_mimetypes.best_match(["application/json", CSV_TYPE]) == CSV_TYPE
    return _settlement(args, as_csv=wants_csv)


@blp.route("/payments/settlements.csv")
@blp.auth()
@blp.arguments(SettlementArgsSchema, location="query")
@blp.response(200, content_type=CSV_TYPE, **CSV_DOC)
def settlement_as_csv(args):
    """A payee's settlement for one business day as CSV: each payment and refund, then the totals."""
    return _settlement(args, as_csv=True)


def _settlement(args, *, as_csv: bool):
    payee = services.Payee(args["payee_kind"], args["payee_id"])
    report = services.settlement_report(current_actor(), payee, args["date"], with_lines=as_csv)
    if not as_csv:
        return report
    name = f"settlement-{payee.kind}-{report.date.isoformat()}.csv"
    return Response(
        settlement_csv(report),
        mimetype=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blp.route("/payments/callbacks/<string:provider>", methods=["POST"])
@blp.doc(
    security=[],
    requestBody={"content": {"application/json": {"schema": SandboxCallbackSchema}}},
)
@blp.response(200, CallbackReceiptSchema)
def provider_callback(provider):
    """A payment provider reports how a charge ended (signed by the provider; no bearer token).

    The sandbox signs with ``X-Sandbox-Signature``, ``X-Sandbox-Timestamp`` and ``X-Sandbox-Event-Id``.
    A bad signature or a timestamp more than five minutes away is refused (401), an event id seen
    before is refused (409).
    """
    receipt = services.receive_callback(provider, request.headers, request.get_data(cache=True))
    return receipt
