"""What every part of bills shares: its names, limits and the business date (Asia/Shanghai)."""

from __future__ import annotations

import logging
from datetime import date, datetime

from flask_babel import get_locale

from app.core.actors import MandateScope
from app.core.calendar import SHANGHAI
from app.core.models import utcnow

log = logging.getLogger(__name__)


DOMAIN = "bills"  # the payment purpose domain, and the mandate scope of 他人代缴


MANDATE_SCOPE = MandateScope.BILLS


WRITE_SCOPE = "bills:write"


BILLER_CLIENT_KIND = "biller"


PAID_HERE, PAID_ELSEWHERE = "yimatong", "elsewhere"


MAX_BILLS_PER_PAYMENT = 20


MAX_PUSH = 500


MAX_AUTOPAY_DAYS = 15


LOCK_NOT_AVAILABLE = "55P03"


RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


DISPUTE_CATEGORY = "0703"  # 12345 category 公共事业缴费


def business_date(moment: datetime | None = None) -> date:
    """The Asia/Shanghai day a moment (now) belongs to."""
    return (moment or utcnow()).astimezone(SHANGHAI).date()


def mask_account(number: str) -> str:
    """``3201123456785678`` -> ``32**********5678``: enough for the holder to recognise, no more."""
    if len(number) >= 8:
        return number[:2] + "*" * (len(number) - 6) + number[-4:]
    keep = min(2, max(len(number) - 2, 0))
    return "*" * (len(number) - keep) + number[len(number) - keep :]


def _locale() -> str:
    return str(get_locale() or "zh_Hans")
