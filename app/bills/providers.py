"""How a biller's own system answers: one interface, one adapter per way billers work.

A biller either answers through its API later — a binding waits for its decision, a fetch is a
webhook it answers by pushing the bill — or, in the sandbox, answers at once by a documented rule.
``Biller.confirms_by`` names the adapter; the services ask ``adapter_for(biller)`` and never branch
on configuration themselves. A sandbox adapter exists only where sandboxes are allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from flask import current_app

from app.bills.models import Biller


@dataclass(frozen=True)
class HolderAnswer:
    """The biller's answer about who holds an account, when it answers at once."""

    confirmed: bool
    reason_code: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class FetchedBill:
    """The bill a biller answers a fetch with, when it answers at once."""

    bill_no: str
    period: str
    amount_fen: int
    due_date: date
    line_items: list[dict]


class BillerAdapter(Protocol):
    """A biller's system, as bills talks to it."""

    def check_holder(
        self, biller: Biller, account_number: str, holder_name: str, names_on_file: Iterable[str]
    ) -> HolderAnswer | None:
        """Confirm or refuse a binding now, or None: the biller decides later through its API."""
        ...

    def fetch_bill(self, biller: Biller, account_number: str, today: date) -> FetchedBill | None:
        """The account's current bill now, or None: the biller is asked and pushes it."""
        ...


class ApiBiller:
    """A biller that answers through its API: bindings wait for its decision, fetches for its push."""

    def check_holder(self, biller, account_number, holder_name, names_on_file) -> HolderAnswer | None:
        """It decides later (it hears of the binding by webhook)."""
        return None

    def fetch_bill(self, biller, account_number, today) -> FetchedBill | None:
        """It pushes the bill when asked (by webhook)."""
        return None


_ADAPTERS: dict[str, tuple[Callable[[], BillerAdapter], bool]] = {}


def register_adapter(name: str, factory: Callable[[], BillerAdapter], *, sandbox: bool = False) -> None:
    """Make an adapter available to billers whose ``confirms_by`` is ``name``."""
    _ADAPTERS[name] = (factory, sandbox)


def adapter_for(biller: Biller) -> BillerAdapter:
    """The adapter of this biller (a sandbox one only where sandboxes are allowed; else its API)."""
    factory, sandbox = _ADAPTERS.get(biller.confirms_by, (ApiBiller, False))
    if sandbox and not current_app.config["SANDBOX_PROVIDERS"]:
        return ApiBiller()
    return factory()


register_adapter("api", ApiBiller)
