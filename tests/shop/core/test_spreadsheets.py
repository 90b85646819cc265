"""One CSV escaper for every export, and its inverse for the product import."""

from __future__ import annotations

import pytest

from shop.core.spreadsheets import safe_cell, unescape_cell


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_starts_like_a_formula_is_neutralised_and_round_trips(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert unescape_cell(safe_cell(text)) == text


def test_plain_text_and_numbers_pass_unchanged() -> None:
    assert safe_cell("Honey") == "Honey"
    assert safe_cell(3) == 3
    assert unescape_cell("'quoted on purpose") == "'quoted on purpose"
