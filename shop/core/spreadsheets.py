"""CSV cells that a spreadsheet opens as text, never as a formula (CSV injection).

Every CSV the shop writes (product export, sales reports, purchase orders) may carry text that a
visitor or supplier typed: a product called "=HYPERLINK(...)" must show as text in the owner's
spreadsheet, never run. One escaper for all of them, and its inverse for the product import, so a
round trip export -> import gives back what was exported.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell that starts like a formula gets a leading ' (spreadsheets then show it as text);
    numbers and everything else pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unescape_cell(cell: str) -> str:
    """The inverse of `safe_cell` for text read back from a CSV the shop exported."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell
