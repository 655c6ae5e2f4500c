"""The problem types of payments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import AppError, BadRequest, Conflict, ServiceUnavailable


class AlreadyPaid(Conflict):
    """Something in the purpose of a new intent has been paid already."""

    code = "payment-already-paid"
    title = _l("Already paid")
    default_detail = _l("This has already been paid.")


class PaymentInProgress(Conflict):
    """Another payment for the same thing is pending."""

    code = "payment-in-progress"
    title = _l("Payment in progress")
    default_detail = _l("A payment for this is already in progress. Finish or cancel it first.")


class PaymentNotPending(Conflict):
    """Only a pending intent can be cancelled."""

    code = "payment-not-pending"
    title = _l("Payment no longer pending")
    default_detail = _l("Only a pending payment can be cancelled.")


class PaymentCompleting(Conflict):
    """The provider has already taken the money or refused it: too late to cancel."""

    code = "payment-completing"
    title = _l("Payment is being completed")
    default_detail = _l("The payment is already being completed and can no longer be cancelled.")


class PaymentNotRefundable(Conflict):
    """Only a succeeded payment can be refunded."""

    code = "payment-not-refundable"
    title = _l("Payment cannot be refunded")
    default_detail = _l("Only a successful payment can be refunded.")


class RefundExceedsPayment(Conflict):
    """A refund larger than what remains refundable."""

    code = "refund-exceeds-payment"
    title = _l("Refund too large")
    default_detail = _l("The refund is larger than what remains of the payment.")


class PaymentStateConflict(Conflict):
    """The provider reports an outcome that contradicts how the intent already ended."""

    code = "payment-state-conflict"
    title = _l("Payment state conflict")
    default_detail = _l("The reported outcome contradicts the recorded state of this payment.")


class CallbackSignatureInvalid(AppError):
    """A provider callback without a valid signature."""

    status, code = 401, "callback-signature-invalid"
    title = _l("Invalid callback signature")
    default_detail = _l("The callback signature is missing or does not match.")


class CallbackStale(AppError):
    """A provider callback whose timestamp is too far from now."""

    status, code = 401, "callback-stale"
    title = _l("Stale callback")
    default_detail = _l("The callback timestamp is too old or in the future.")


class CallbackReplayed(Conflict):
    """A provider callback whose event id was seen before."""

    code = "callback-replayed"
    title = _l("Callback replayed")
    default_detail = _l("This callback event was already received.")


class CallbackMalformed(BadRequest):
    """A signed callback whose body cannot be read."""

    code = "callback-malformed"
    title = _l("Malformed callback")
    default_detail = _l("The callback body is not a valid provider notification.")


class CallbackMismatch(AppError):
    """A signed callback about an unknown intent, or with another amount or reference."""

    status, code = 422, "callback-mismatch"
    title = _l("Callback does not match")
    default_detail = _l("The callback does not match any payment of this provider.")


class ProviderUnavailable(ServiceUnavailable):
    """The payment provider cannot be reached or refused the request."""

    code = "payment-provider-unavailable"
    title = _l("Payment provider unavailable")
    default_detail = _l("The payment provider is unavailable. Please try again later.")
