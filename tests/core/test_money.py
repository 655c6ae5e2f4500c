"""Money is whole fen plus a currency: exact parsing, no floats, no silent currency mixing."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
import pytest

from app.core.money import Money, MoneySchema


@pytest.mark.parametrize(
    ("text", "fen"),
    [("12.34", 1234), ("0.1", 10), ("0.01", 1), ("100", 10000), ("-3.5", -350), ("19.90", 1990)],
)
def test_yuan_text_is_parsed_exactly(text, fen):
    assert Money.from_yuan(text) == Money(fen)


def test_decimal_yuan_is_parsed_exactly():
    assert Money.from_yuan(Decimal("0.30")).fen == 30


@pytest.mark.parametrize("text", ["12.345", "0.001", "1.999"])
def test_more_than_two_decimals_is_refused(text):
    with pytest.raises(ValueError, match="two decimal"):
        Money.from_yuan(text)


@pytest.mark.parametrize("text", ["", "abc", "12,34", "NaN", "Infinity", "-inf"])
def test_text_that_is_not_a_finite_amount_is_a_value_error(text):
    with pytest.raises(ValueError):
        Money.from_yuan(text)


def test_floats_are_refused_everywhere():
    with pytest.raises(TypeError):
        Money(12.5)
    with pytest.raises(TypeError):
        Money.from_yuan(0.1)
    with pytest.raises(TypeError):
        Money(100).times(0.1)
    with pytest.raises(TypeError):
        Money(True)


def test_yuan_round_trip_is_exact():
    assert Money(1234).to_yuan() == Decimal("12.34")
    assert Money.from_yuan(str(Money(1).to_yuan())) == Money(1)


def test_arithmetic_keeps_currency_and_fen():
    assert Money(150) + Money(250) == Money(400)
    assert Money(150) - Money(250) == Money(-100)
    assert -Money(150) == Money(-150)
    assert Money.total([Money(1), Money(2), Money(3)]) == Money(6)
    assert Money.total([]) == Money(0)


def test_mixing_currencies_is_refused():
    with pytest.raises(ValueError, match="CNY and USD"):
        Money(100) + Money(100, "USD")
    with pytest.raises(ValueError):
        Money(100) - Money(100, "USD")
    with pytest.raises(ValueError):
        Money.total([Money(1), Money(1, "HKD")])


def test_comparing_amounts_in_different_currencies_is_refused():
    assert Money(100) < Money(200)
    assert max(Money(300), Money(200)) == Money(300)
    with pytest.raises(ValueError):
        assert Money(100, "USD") > Money(200)
    with pytest.raises(ValueError):
        sorted([Money(1), Money(2, "USD")])


@pytest.mark.parametrize(
    ("fen", "quantity", "expected"),
    [
        (333, 3, 999),
        (1000, Decimal("0.333"), 333),  # 333.0 fen
        (1, Decimal("0.5"), 1),  # half a fen rounds up
        (3, Decimal("0.5"), 2),  # 1.5 fen rounds up
        (-3, Decimal("0.5"), -2),  # half up is away from zero
        (1999, Decimal("0.85"), 1699),  # 1699.15 fen
        (250, 0, 0),
    ],
)
def test_times_rounds_half_up_to_the_fen(fen, quantity, expected):
    assert Money(fen).times(quantity) == Money(expected)


def test_format_follows_the_locale():
    assert Money(123456).format() == "¥1,234.56"
    assert Money(123456).format("zh_Hans_CN") == "¥1,234.56"
    assert Money(123456).format("en") == "CN¥1,234.56"
    assert Money(-5).format("en") == "-CN¥0.05"


def test_money_schema_speaks_fen():
    schema = MoneySchema()
    assert schema.load({"amount_fen": 1990}) == Money(1990)
    assert schema.dump(Money(1990)) == {"amount_fen": 1990, "currency": "CNY"}
    with pytest.raises(ma.ValidationError) as refused:
        schema.load({"amount_fen": 19.9})
    assert "amount_fen" in refused.value.messages
    with pytest.raises(ma.ValidationError) as refused:
        schema.load({"amount_fen": 100, "currency": "USD"})
    assert "currency" in refused.value.messages
