"""Money as integer fen (分) plus currency; never floats."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import marshmallow as ma
from babel.numbers import format_currency

from app.core.validation import Range

FEN_PER_YUAN = 100
# The largest amount the API accepts (one trillion yuan); fits a 64-bit column with room to sum.
MAX_FEN = 10**14


@functools.total_ordering
@dataclass(frozen=True)
class Money:
    """An amount in the currency's minor unit (fen for CNY); amounts in different currencies never mix."""

    fen: int
    currency: str = "CNY"

    def __post_init__(self):
        if not isinstance(self.fen, int) or isinstance(self.fen, bool):
            raise TypeError("money is held in whole fen (int)")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.fen + other.fen, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.fen - other.fen, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.fen, self.currency)

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.fen < other.fen

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")

    def times(self, quantity: int | Decimal) -> Money:
        """Multiply by a quantity, rounding half up to the fen."""
        if not isinstance(quantity, (int, Decimal)) or isinstance(quantity, bool):
            raise TypeError("multiply money by an int or a Decimal, never a float")
        result = (Decimal(self.fen) * Decimal(quantity)).quantize(Decimal(1), ROUND_HALF_UP)
        return Money(int(result), self.currency)

    @classmethod
    def from_yuan(cls, text: str | Decimal, currency: str = "CNY") -> Money:
        """Parse ``"12.34"`` yuan exactly; more than two decimals is an error."""
        if not isinstance(text, (str, Decimal)):
            raise TypeError("parse yuan from a string or a Decimal, never a float")
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {text!r}") from exc
        if not amount.is_finite():
            raise ValueError(f"not an amount: {text!r}")
        fen = amount * FEN_PER_YUAN
        if fen != fen.to_integral_value():
            raise ValueError("amounts have at most two decimal places")
        return cls(int(fen), currency)

    def to_yuan(self) -> Decimal:
        """The amount in yuan as an exact Decimal."""
        return Decimal(self.fen) / FEN_PER_YUAN

    def format(self, locale: str = "zh_Hans_CN") -> str:
        """``¥12.34`` in the given locale."""
        return _formatted(self.fen, self.currency, locale)

    @classmethod
    def total(cls, amounts: list[Money], currency: str = "CNY") -> Money:
        """Sum a list (empty list is zero)."""
        result = cls(0, currency)
        for amount in amounts:
            result = result + amount
        return result


@functools.lru_cache(maxsize=4096)
def _formatted(fen: int, currency: str, locale: str) -> str:
    """Babel's text of an amount, kept for the process.

    Every home writes its amounts on every visit, and Babel reads the locale's currency pattern
    again on each call: that was most of the bills card's cost.
    """
    return format_currency(Decimal(fen) / FEN_PER_YUAN, currency, locale=locale)


class MoneySchema(ma.Schema):
    """How money appears in the API: ``{"amount_fen": 1234, "currency": "CNY"}``."""

    amount_fen = ma.fields.Integer(
        required=True,
        strict=True,
        attribute="fen",
        validate=Range(-MAX_FEN, MAX_FEN),
        metadata={"description": "Amount in whole fen (分): an integer, never a decimal or a string"},
    )
    currency = ma.fields.String(
        load_default="CNY", validate=ma.validate.OneOf(["CNY"]), metadata={"description": "ISO 4217 code"}
    )

    @ma.post_load
    def to_money(self, data, **kwargs) -> Money:
        """Build the value object."""
        return Money(data["fen"], data["currency"])
