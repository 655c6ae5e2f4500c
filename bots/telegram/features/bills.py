"""Utility bills (生活缴费): see them, pay one after a confirmation (exactly once), get the receipt."""

from __future__ import annotations

import secrets

from flask_babel import format_date, format_datetime, gettext

from app.bills import services as bills
from app.core import idempotency
from app.core.money import Money
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import Reply, money, one_per_row, uuid_of

PAGE = 10
KEY_PREFIX = "telegram-bill-"  # the bot's idempotency keys, one per confirmation shown


def _status(bill) -> str:
    if bill.status == "unpaid" and bill.overdue:
        return gettext("overdue")
    names = {"unpaid": gettext("unpaid"), "paid": gettext("paid"), "cancelled": gettext("cancelled")}
    return names.get(bill.status, bill.status)


def _label(bill) -> str:
    return f"{bill.biller.name} {bill.period} · {money(bill.amount)} · {_status(bill)}"


def list_bills(turn: Turn, status: str) -> Reply:
    """``/bills``: the unpaid bills of my accounts (``bills:paid`` the paid ones), each a button."""
    status = status if status in ("unpaid", "paid") else "unpaid"
    page = bills.list_bills(turn.resident, cursor=None, limit=PAGE, status=status)
    buttons = [(_label(bill), "bill:" + bill.id.hex) for bill in page.items]
    if status == "unpaid":
        text = gettext("Your unpaid bills:") if buttons else gettext("You have no unpaid bills.")
        buttons.append((gettext("Paid bills"), "bills:paid"))
    else:
        text = gettext("Your paid bills:") if buttons else gettext("You have no paid bills yet.")
    return Reply(text, one_per_row(buttons))


def show_bill(turn: Turn, argument: str) -> Reply:
    """A bill button: the bill in full, with what can be done with it."""
    detail = bills.bill_detail(turn.resident, uuid_of(argument))
    bill, payment = detail.record, detail.payment
    lines = [
        f"{bill.biller.name} · {bill.period}",
        gettext("Amount: %(amount)s", amount=money(bill.amount)),
        gettext("Due: %(date)s", date=format_date(bill.due_date, "medium")),
        gettext("Status: %(status)s", status=_status(bill)),
    ]
    lines += [f"  {item.get('name', '')} {money(_item_amount(bill, item))}" for item in bill.line_items or []]
    buttons = []
    if bill.status == "unpaid" and payment is None:
        buttons.append((gettext("Pay %(amount)s", amount=money(bill.amount)), "pay:" + bill.id.hex))
    elif bill.status == "unpaid":
        lines.append(gettext("A payment of this bill is in progress."))
    if bill.status == "paid" and bill.paid_via == bills.PAID_HERE:
        buttons.append((gettext("Receipt"), "receipt:" + bill.id.hex))
    return Reply("\n".join(lines), one_per_row(buttons))


def _item_amount(bill, item: dict):
    return Money(int(item.get("amount_fen", 0)), bill.currency)


def confirm_payment(turn: Turn, argument: str) -> Reply:
    """A Pay button: say exactly what will be paid, and ask once more."""
    bill = bills.get_bill(turn.resident, uuid_of(argument))
    key = secrets.token_hex(6)
    text = gettext(
        "Pay %(amount)s to %(biller)s for %(period)s (account %(account)s)?",
        amount=money(bill.amount),
        biller=bill.biller.name,
        period=bill.period,
        account=_masked(bill.account_number),
    )
    buttons = [[(gettext("Confirm payment"), f"payok:{bill.id.hex}:{key}")], [(gettext("Cancel"), "bills:")]]
    return Reply(text, buttons)


def _masked(number: str) -> str:
    return number[:2] + "*" * max(len(number) - 4, 0) + number[-2:]


def pay(turn: Turn, argument: str) -> Reply:
    """A Confirm button: one payment intent per confirmation, however often it is pressed."""
    bill_hex, _, key = argument.partition(":")
    bill_id, actor = uuid_of(bill_hex), turn.resident

    def start_payment() -> dict:
        intent = bills.pay_bills(actor, [bill_id], KEY_PREFIX + key)
        return {"payment_id": str(intent.id), "amount_fen": intent.amount_fen, "status": intent.status}

    started = idempotency.run_once(actor, KEY_PREFIX + key, {"bill_ids": [str(bill_id)]}, start_payment)
    bill = bills.get_bill(actor, bill_id)
    text = gettext(
        "Payment of %(amount)s started. When the payment provider confirms it I will send the receipt "
        "here; /bills shows where it stands.",
        amount=money(Money(started["amount_fen"], bill.currency)),
    )
    return Reply(text, [[(gettext("My bills"), "bills:")]])


def receipt(turn: Turn, argument: str) -> Reply:
    """A Receipt button: the e-receipt, with the code anyone can verify it by."""
    found = bills.receipt_for_bill(turn.resident, uuid_of(argument))
    lines = [
        gettext("Receipt %(number)s", number=found.receipt_no),
        f"{found.biller.name} · {found.period} · {found.account_masked}",
        gettext(
            "Paid %(amount)s on %(when)s",
            amount=money(found.amount),
            when=format_datetime(found.paid_at, "short"),
        ),
        gettext("Verification code: %(code)s", code=found.code),
    ]
    return Reply("\n".join(lines))


FEATURE = Feature(
    name="bills",
    domain="bills",
    commands={"bills": list_bills},
    buttons={
        "bills": list_bills,
        "bill": show_bill,
        "pay": confirm_payment,
        "payok": pay,
        "receipt": receipt,
    },
    help=lambda: gettext("/bills my utility bills: see, pay, receipts"),
    menu=(lambda: gettext("Bills"), "bills:"),
    opens={"bills": "bills:"},
)
