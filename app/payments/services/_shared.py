"""What every part of payments shares: scopes, limits and the states that end an intent."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from app.payments import policies
from app.payments.errors import AlreadyPaid, PaymentInProgress
from app.payments.models import PaymentStatus

__all__ = ["AlreadyPaid", "PaymentInProgress", "PaymentStatus"]  # what purposes see of payments' states

log = logging.getLogger(__name__)


READ_SCOPE = policies.READ_SCOPE


REFUND_SCOPE = policies.REFUND_SCOPE


SUPPORTED_CURRENCIES = ("CNY",)


DOMAIN_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


MAX_PURPOSE_IDS = 50


CALLBACK_EVENT_RETENTION = timedelta(days=1)


TERMINAL = (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELLED)


SUBSIDY_PROVIDER = "subsidy"  # a payment from a public subsidy fund: booked at once, never refunded
