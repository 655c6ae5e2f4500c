"""What every part of bills shares: its names, limits and the business date (Asia/Shanghai)."""

from __future__ import annotations

import logging

from app.core.actors import MandateScope
from app.core.calendar import business_date

log = logging.getLogger(__name__)


DOMAIN = "bills"  # the payment purpose domain, and the mandate scope of 他人代缴


MANDATE_SCOPE = MandateScope.BILLS


WRITE_SCOPE = "bills:write"


BILLER_CLIENT_KIND = "biller"


PAID_HERE, PAID_ELSEWHERE = "yimatong", "elsewhere"


LOCK_NOT_AVAILABLE = "55P03"


RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


DISPUTE_CATEGORY = "0703"  # 12345 category 公共事业缴费


__all__ = ["business_date"]  # the Asia/Shanghai day, as bills count due dates
