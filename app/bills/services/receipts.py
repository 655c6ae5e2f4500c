"""E-receipts: issued when a bill is paid, verified publicly by their code."""

from __future__ import annotations

import re
import secrets
import uuid

from flask_babel import gettext

from app.bills.models import BillReceipt
from app.bills.services._shared import RECEIPT_ALPHABET
from app.bills.services.bills import get_bill
from app.core.actors import Actor
from app.core.errors import NotFound
from app.extensions import db


def _random_code(length: int) -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(length))


def receipt_for_bill(actor: Actor, bill_id: uuid.UUID) -> BillReceipt:
    """The e-receipt of a bill paid through Yimatong (404 while unpaid, or paid elsewhere)."""
    bill = get_bill(actor, bill_id)
    receipt = db.session.scalar(
        db.select(BillReceipt)
        .where(BillReceipt.bill_id == bill.id, BillReceipt.voided_at.is_(None))
        .order_by(BillReceipt.id.desc())
        .limit(1)
    )
    if receipt is None:
        raise NotFound(gettext("This bill has no receipt: it was not paid through Yimatong."))
    return receipt


def verify_receipt(code: str) -> BillReceipt:
    """Anyone holding a receipt's code can check it: only non-personal facts are shown."""
    normalized = re.sub(r"[\s-]", "", code).upper().replace("O", "0").replace("I", "1").replace("L", "1")
    if not re.fullmatch(f"[{RECEIPT_ALPHABET}]{{16}}", normalized):
        raise NotFound(gettext("No receipt has this verification code."))
    receipt = db.session.scalar(db.select(BillReceipt).where(BillReceipt.code == normalized))
    if receipt is None:
        raise NotFound(gettext("No receipt has this verification code."))
    return receipt
