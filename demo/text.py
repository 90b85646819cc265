"""Small text helpers the recipes share: slugs, readable lists, de-duplicated tags."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable


def slugify(text: str) -> str:
    """URL slug: ASCII, lowercase, '&' read as 'and', everything else collapsed to single dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.replace("&", " and ").replace("+", " plus ").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def and_join(csv: str) -> str:
    """'a, b, c' -> 'a, b and c', for lists that end up inside a sentence."""
    head, _, last = csv.rpartition(", ")
    return f"{head} and {last}" if head else last


def dedupe(items: Iterable[str]) -> list[str]:
    """The non-empty items, first occurrence kept, in order."""
    return list(dict.fromkeys(item for item in items if item))
