"""The sandbox biller: how demo and test billers confirm account holders and answer bill fetches.

Billers registered with ``confirms_by="rule"`` (only outside production) confirm a binding at once,
by the account number alone:

=============================  ==========  =================================================
account number                 answer      reason given to the resident
=============================  ==========  =================================================
ends in ``0000``               refused     ``account_closed``: the account has been closed
ends in an even digit          confirmed
ends in an odd digit (or not   refused     ``holder_mismatch``: the holder's name does not
a digit)                                   match the account
the holder's name differs      refused     ``holder_mismatch``
from the biller's file
=============================  ==========  =================================================

The sandbox biller's file of holders is what it has confirmed before: once an account is confirmed
under a holder's name (户名), anyone else binding it must give that name (spaces and letter case
aside), as a real biller compares the name with its records. Members of one household give the same
户名 and all see the account's bills; a stranger who does not know it does not.

A sandbox biller that supports fetching answers a fetch with the current month's bill (Asia/Shanghai)
for the account, created if it does not exist yet: bill number ``SBX-<account>-<YYYYMM>``, an amount
derived from the account number and month (between ¥20.00 and ¥320.00, never ending in .51, .52 or
.53, which the sandbox payment provider treats as failures), due on the 15th of the next month.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

ACCOUNT_CLOSED, HOLDER_MISMATCH = "account_closed", "holder_mismatch"
REASONS = {
    ACCOUNT_CLOSED: _l("The biller says this account has been closed."),
    HOLDER_MISMATCH: _l("The biller says the holder's name does not match this account."),
}
PAYMENT_FAILURE_ENDINGS = (51, 52, 53)
FETCH_DUE_DAY = 15


@dataclass(frozen=True)
class HolderCheck:
    """The sandbox biller's answer about who holds an account."""

    confirmed: bool
    reason_code: str | None = None

    @property
    def reason(self) -> str | None:
        """The refusal in the reader's language."""
        return str(REASONS[self.reason_code]) if self.reason_code else None


def check_holder(account_number: str, holder_name: str, names_on_file: Iterable[str] = ()) -> HolderCheck:
    """Confirm or refuse a binding by the documented rule and the holder's name on the biller's file."""
    if account_number.endswith("0000"):
        return HolderCheck(False, ACCOUNT_CLOSED)
    last = account_number[-1:]
    if not (last.isdigit() and int(last) % 2 == 0):
        return HolderCheck(False, HOLDER_MISMATCH)
    on_file = {_comparable(name) for name in names_on_file}
    if on_file and _comparable(holder_name) not in on_file:
        return HolderCheck(False, HOLDER_MISMATCH)
    return HolderCheck(True)


def _comparable(name: str) -> str:
    return "".join(name.split()).casefold()


@dataclass(frozen=True)
class FetchedBill:
    """The bill the sandbox biller answers a fetch with."""

    bill_no: str
    period: str
    amount_fen: int
    due_date: date
    line_items: list[dict]


def fetch_bill(account_number: str, today: date) -> FetchedBill:
    """The current month's bill of an account, the same however often it is fetched that month."""
    period = today.strftime("%Y-%m")
    digest = hashlib.sha256(f"{account_number}|{period}".encode()).digest()
    amount = 2_000 + int.from_bytes(digest[:4], "big") % 30_000
    if amount % 100 in PAYMENT_FAILURE_ENDINGS:
        amount += 10
    usage = amount - 500
    return FetchedBill(
        bill_no=f"SBX-{account_number}-{today:%Y%m}"[:64],
        period=period,
        amount_fen=amount,
        due_date=_next_month(today).replace(day=FETCH_DUE_DAY),
        line_items=[
            {"name": "用量费用", "amount_fen": usage},
            {"name": "基本费用", "amount_fen": 500},
        ],
    )


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
