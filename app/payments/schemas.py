"""How payments, refunds, callbacks and settlement reports appear in the API (and as CSV)."""

from __future__ import annotations

import csv
import io

import marshmallow as ma

from app.core.money import MoneySchema
from app.core.pagination import PageArgsSchema
from app.core.validation import StrictSchema
from app.payments.models import PayeeKind, PaymentStatus

PAYEE_KINDS = [kind.value for kind in PayeeKind]
STATUSES = [status.value for status in PaymentStatus]


class PayeeSchema(ma.Schema):
    """Who is paid."""

    kind = ma.fields.String(dump_only=True, metadata={"description": " | ".join(PAYEE_KINDS)})
    id = ma.fields.String(dump_only=True)


class PurposeSchema(ma.Schema):
    """What the payment is for: a domain (bills, parking, commerce) and its records' ids."""

    domain = ma.fields.String(dump_only=True)
    ids = ma.fields.List(ma.fields.String(), dump_only=True)
    description = ma.fields.String(dump_only=True)


class RefundSchema(ma.Schema):
    """Money given back from a payment."""

    id = ma.fields.UUID(dump_only=True)
    payment_id = ma.fields.UUID(dump_only=True, attribute="intent_id")
    amount = ma.fields.Nested(MoneySchema, dump_only=True)
    reason = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class PaymentSchema(ma.Schema):
    """A payment intent: one charge, pending until the provider settles it."""

    id = ma.fields.UUID(dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"description": " | ".join(STATUSES)})
    amount = ma.fields.Nested(MoneySchema, dump_only=True)
    refunded = ma.fields.Nested(MoneySchema, dump_only=True)
    payee = ma.fields.Nested(PayeeSchema, dump_only=True)
    purpose = ma.fields.Nested(PurposeSchema, dump_only=True)
    provider = ma.fields.String(dump_only=True)
    client_action = ma.fields.Dict(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "What the app needs to let the payer complete the payment with the provider"
        },
    )
    failure_code = ma.fields.String(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)
    settled_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    cancelled_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    refunds = ma.fields.List(ma.fields.Nested(RefundSchema), dump_only=True)


class PaymentListArgsSchema(PageArgsSchema):
    """Filter my payments by status."""

    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))


class RefundRequestSchema(StrictSchema):
    """A refund: how much (whole fen, never a decimal) and why."""

    amount = ma.fields.Nested(MoneySchema, required=True)
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class SettlementArgsSchema(StrictSchema):
    """Which payee and which Asia/Shanghai business day (today when omitted)."""

    payee_kind = ma.fields.String(required=True, validate=ma.validate.OneOf(PAYEE_KINDS))
    payee_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    date = ma.fields.Date(load_default=None)


class SettlementReportSchema(ma.Schema):
    """A payee's totals for one business day, from the ledger."""

    payee_kind = ma.fields.Function(lambda report: report.payee.kind, dump_only=True)
    payee_id = ma.fields.Function(lambda report: report.payee.id, dump_only=True)
    date = ma.fields.Date(dump_only=True)
    currency = ma.fields.String(dump_only=True)
    paid = ma.fields.Nested(MoneySchema, dump_only=True)
    refunded = ma.fields.Nested(MoneySchema, dump_only=True)
    net = ma.fields.Nested(MoneySchema, dump_only=True)
    payments_count = ma.fields.Integer(dump_only=True)
    refunds_count = ma.fields.Integer(dump_only=True)


class SandboxCallbackSchema(ma.Schema):
    """The body the sandbox provider posts (signed; see the X-Sandbox-* headers)."""

    event = ma.fields.String(metadata={"description": "charge.succeeded | charge.failed"})
    intent_id = ma.fields.UUID()
    provider_ref = ma.fields.String()
    amount_fen = ma.fields.Integer()
    currency = ma.fields.String()
    failure_code = ma.fields.String(allow_none=True)
    occurred_at = ma.fields.DateTime()


class CallbackReceiptSchema(ma.Schema):
    """What the callback did."""

    result = ma.fields.String(dump_only=True, metadata={"description": "settled | already-settled"})
    payment_status = ma.fields.String(dump_only=True)


CSV_DETAIL_HEADER = [
    "business_date",
    "payee_kind",
    "payee_id",
    "kind",
    "journal_id",
    "payment_id",
    "purpose_domain",
    "purpose_ids",
    "amount_fen",
    "currency",
    "booked_at",
]
CSV_SUMMARY_HEADER = [
    "business_date",
    "payee_kind",
    "payee_id",
    "currency",
    "payments_count",
    "paid_fen",
    "refunds_count",
    "refunded_fen",
    "net_fen",
]


def _text(value) -> str:
    """A text cell that a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def settlement_csv(report) -> str:
    """The settlement as a CSV file: one line per payment or refund, then a summary section."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_DETAIL_HEADER)
    day, kind, payee_id = report.date.isoformat(), report.payee.kind, _text(report.payee.id)
    for line in report.lines:
        signed = line.amount.fen if line.kind == "payment" else -line.amount.fen
        writer.writerow(
            [
                day,
                kind,
                payee_id,
                line.kind,
                line.journal_id,
                line.intent_id,
                line.purpose_domain,
                _text(" ".join(line.purpose_ids)),
                signed,
                line.amount.currency,
                line.booked_at.isoformat(),
            ]
        )
    writer.writerow([])
    writer.writerow(CSV_SUMMARY_HEADER)
    writer.writerow(
        [
            day,
            kind,
            payee_id,
            report.currency,
            report.payments_count,
            report.paid.fen,
            report.refunds_count,
            report.refunded.fen,
            report.net.fen,
        ]
    )
    return out.getvalue()
