"""Small text helpers the recipes share: readable lists, de-duplicated tags (slugs: shop.core.text)."""

from __future__ import annotations

from collections.abc import Iterable


def and_join(csv: str) -> str:
    """'a, b, c' -> 'a, b and c', for lists that end up inside a sentence."""
    head, _, last = csv.rpartition(", ")
    return f"{head} and {last}" if head else last


def dedupe(items: Iterable[str]) -> list[str]:
    """The non-empty items, first occurrence kept, in order."""
    return list(dict.fromkeys(item for item in items if item))
