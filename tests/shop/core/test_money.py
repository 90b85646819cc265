"""Exact money: cents, no floats, and no amount so large that quantizing it fails (a 500 before)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.core.money import MAX_AMOUNT, AmountOutOfRange, format_money, to_money


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12.505", "12.51"), ("-0.005", "-0.01"), (3, "3.00"), (Decimal("1e-999"), "0.00"), (MAX_AMOUNT, "1000000000.00")],
)
def test_amounts_are_rounded_half_up_to_cents(value: Decimal | int | str, expected: str) -> None:
    assert to_money(value) == Decimal(expected) and str(to_money(value)) == expected


@pytest.mark.parametrize("value", ["1e999", "-1e999", "1e27", "1000000000.01", Decimal("9" * 40)])
def test_an_amount_beyond_the_bound_is_a_value_error(value: Decimal | str) -> None:
    with pytest.raises(AmountOutOfRange, match="at most 1,000,000,000"):
        to_money(value)
    assert issubclass(AmountOutOfRange, ValueError)


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", ""])
def test_what_is_not_an_amount_is_a_value_error(value: str) -> None:
    with pytest.raises(ValueError):
        to_money(value)


def test_floats_are_refused_and_amounts_print_with_their_sign() -> None:
    with pytest.raises(TypeError):
        to_money(1.5)  # type: ignore[arg-type]
    assert format_money(Decimal("-1234.5")) == "-$1,234.50"
