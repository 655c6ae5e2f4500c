"""The problem types of bills."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import AppError, Conflict, Forbidden


class NotABiller(Forbidden):
    """The client is not a registered biller (or the biller is inactive)."""

    code = "not-a-biller"
    title = _l("Not a registered biller")
    default_detail = _l("This client is not registered as an active biller.")


class AccountNotConfirmed(AppError):
    """The biller did not confirm that the resident holds the account."""

    status, code = 422, "account-not-confirmed"
    title = _l("Account not confirmed")
    default_detail = _l("The biller could not confirm this account.")


class AccountAlreadyBound(Conflict):
    """The resident has already bound this account with this biller."""

    code = "account-already-bound"
    title = _l("Account already bound")
    default_detail = _l("You have already bound this account.")


class AccountNotReady(Conflict):
    """The biller has not confirmed the account yet, or refused it."""

    code = "account-not-ready"
    title = _l("Account not confirmed yet")
    default_detail = _l("This account is not confirmed by the biller.")


class AccountDecided(Conflict):
    """The biller answered this binding already."""

    code = "account-already-decided"
    title = _l("Already answered")
    default_detail = _l("This binding has already been confirmed or refused.")


class BillCancelled(Conflict):
    """The biller withdrew the bill."""

    code = "bill-cancelled"
    title = _l("Bill withdrawn")
    default_detail = _l("The biller has withdrawn this bill.")


class BillAlreadySettled(Conflict):
    """The bill was paid (through Yimatong or elsewhere) or withdrawn: it can no longer change."""

    code = "bill-settled"
    title = _l("Bill already settled")
    default_detail = _l("This bill has been paid or withdrawn and can no longer be changed.")


class PaymentNotDisputable(Conflict):
    """Only a successful bill payment can be disputed."""

    code = "payment-not-disputable"
    title = _l("Payment cannot be disputed")
    default_detail = _l("Only a completed bill payment can be disputed.")


class DisputeExists(Conflict):
    """The payment already has a dispute."""

    code = "dispute-exists"
    title = _l("Dispute already raised")
    default_detail = _l("A dispute about this payment already exists.")


class DisputeAnswered(Conflict):
    """The biller has already answered the dispute, or it went to 12345."""

    code = "dispute-answered"
    title = _l("Dispute already answered")
    default_detail = _l("This dispute has already been answered or escalated.")
