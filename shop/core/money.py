"""Exact money: `Decimal` quantized to cents, never float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 9
"""No amount of a small shop comes near it (a price is at most 100,000, an order 50 lines of 99), and
past 10^27 quantizing to cents raises InvalidOperation (the context's 28 digits), which escaped as a
500 wherever an owner or a client typed an amount ("1e999")."""


class AmountOutOfRange(ValueError):
    """An amount beyond MAX_AMOUNT either way: a typo or a probe, refused before any arithmetic."""


def to_money(value: Decimal | int | str) -> Decimal:
    """Parse and round to cents; floats are refused because they already lost exactness, and an
    amount beyond MAX_AMOUNT raises AmountOutOfRange (a ValueError)."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError("amount must be finite")
    if abs(amount) > MAX_AMOUNT:
        raise AmountOutOfRange(f"amount must be at most {MAX_AMOUNT:,} either way")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, symbol: str = "$") -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"
