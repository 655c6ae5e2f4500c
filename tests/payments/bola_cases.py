"""BOLA cases of the payments domain."""

from tests.bola import BolaContext, bola_case, exempt
from tests.payments.helpers import pay

SECRET = "bola-secret-order"


@bola_case("GET", "/api/v1/payments/{payment_id}")
def owners_payment(ctx: BolaContext) -> dict:
    """The payer reads the payment; another resident gets 404."""
    intent = pay(ctx.owner, 1_000, refs=[SECRET])
    return {"payment_id": intent.id, "secret": SECRET}


@bola_case("POST", "/api/v1/payments/{payment_id}/cancel")
def owners_pending_payment(ctx: BolaContext) -> dict:
    """The payer cancels a pending payment; another resident gets 404."""
    intent = pay(ctx.owner, 1_000, refs=[SECRET])
    return {"payment_id": intent.id, "secret": SECRET}


@bola_case("GET", "/api/v1/payments", collection=True)
def owners_payments(ctx: BolaContext) -> dict:
    """Another resident's list never shows the owner's payments."""
    pay(ctx.owner, 1_000, refs=[SECRET])
    return {"secret": SECRET}


exempt(
    "/api/v1/payments/<uuid:payment_id>/refunds",
    "no resident may refund, not even the payer: only the payee's client or finance staff "
    "(tests/payments/test_money_path.py::test_only_the_payee_or_finance_staff_refund)",
)
exempt(
    "/api/v1/payments/callbacks/<string:provider>",
    "no resident resource: provider callbacks carry no token and are authenticated by their signature",
)
