"""A read-only view of the live catalog for the generator and the checks: products, names, prices.

Why its own view: the generator must draw the same products for the same seed and catalog, so it
sees the products in one stable order (by slug, which does not change when a shop is seeded again)
and never depends on the order a query returned them in. The checks need two
things the agent also has, written independently here so that a bug in the agent's guard cannot hide
itself: a matcher that finds catalog product names in a reply, and a parser for money amounts written
the ways the six languages write them ("$12.50", "12,50 $", "12.50 dólares", "USD 12").
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation

from shop.catalog.snapshot import Product
from shop.core.text import tokenize

_NUMBER = r"\d+(?:[.,]\d+)*"
_BEFORE = r"(?:US\$|\$|USD\s?|€|£)\s?"
_AFTER = r"\s?(?:US\$|\$|USD\b|€|£|dollars?\b|bucks\b|d[óo]lar(?:es)?\b|dollari\b|dollaro\b|Dollar\b)"
_MONEY = re.compile(rf"{_BEFORE}(?P<a>{_NUMBER})|(?P<b>{_NUMBER}){_AFTER}", re.IGNORECASE)


def parse_number(text: str) -> Decimal | None:
    """Parse "12.50", "12,50", "1,234.50", "1.234,50", "1,500" as a Decimal. A last separator followed by one or
    two digits is the decimal mark; any other separator groups thousands."""
    parts = re.split(r"[.,]", text)
    if len(parts) > 1 and len(parts[-1]) in (1, 2):
        whole, cents = "".join(parts[:-1]), parts[-1].ljust(2, "0")
    else:
        whole, cents = "".join(parts), "00"
    try:
        return Decimal(f"{int(whole)}.{cents}")
    except (InvalidOperation, ValueError):
        return None


def money_amounts(text: str) -> list[Decimal]:
    """Amounts written with a currency sign or word; a bare number is not a price."""
    found = []
    for match in _MONEY.finditer(text):
        value = parse_number(match.group("a") or match.group("b"))
        if value is not None:
            found.append(value)
    return found


class NameMatcher:
    """Finds catalog product names in text: normalised words (case and accents ignored), longest name
    first, non-overlapping, through an index of first words (a reply costs microseconds)."""

    def __init__(self, products: Iterable[Product]) -> None:
        self._index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self._names: dict[str, tuple[str, ...]] = {}
        for product in products:
            words = tuple(tokenize(product.name))
            if words:
                self._index.setdefault(words[0], []).append((words, product.id))
                self._names[product.id] = words
        for entries in self._index.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    def mentions(self, text: str) -> list[str]:
        """Ids of the products named in `text`, in order of appearance (repeats removed)."""
        words = tokenize(text)
        found: list[str] = []
        i = 0
        while i < len(words):
            for name, pid in self._index.get(words[i], ()):
                if tuple(words[i : i + len(name)]) == name:
                    if pid not in found:
                        found.append(pid)
                    i += len(name)
                    break
            else:
                i += 1
        return found

    def is_part_of_a_name(self, text: str) -> bool:
        """Whether the words of `text` occur, in order and together, inside some product's name
        ("Ceremonial" or "Espresso Roast" do; "Morning Glory Blend" does not)."""
        words = tuple(tokenize(text))
        if not words:
            return True
        n = len(words)
        return any(name[i : i + n] == words for name in self._names.values() for i in range(len(name) - n + 1))


class CatalogView:
    """The catalog as the generator and the checks see it: a snapshot, in slug order."""

    def __init__(self, products: Sequence[Product]) -> None:
        self.products: list[Product] = sorted((p for p in products if not p.deleted), key=lambda p: p.slug)
        self.by_id: dict[str, Product] = {p.id: p for p in self.products}
        self.matcher = NameMatcher(self.products)

    def get(self, product_id: str) -> Product | None:
        return self.by_id.get(product_id)

    def where(self, predicate: Callable[[Product], bool], *, min_stock: int | None = 1) -> list[Product]:
        """Products satisfying `predicate`; `min_stock` None: regardless of stock, 0: sold out only."""
        if min_stock is None:
            return [p for p in self.products if predicate(p)]
        if min_stock == 0:
            return [p for p in self.products if predicate(p) and p.stock == 0]
        return [p for p in self.products if predicate(p) and p.stock >= min_stock]

    def pick(
        self, rng: random.Random, predicate: Callable[[Product], bool], n: int = 1, *, min_stock: int = 6
    ) -> list[Product]:
        """`n` different products satisfying `predicate` with at least `min_stock` in stock (enough for
        the quantities the phrasings ask for); [] when the catalog has fewer."""
        pool = self.where(predicate, min_stock=min_stock)
        return rng.sample(pool, n) if len(pool) >= n else []

    def suppliers(self, min_products: int = 2) -> list[str]:
        counts: dict[str, int] = {}
        for p in self.products:
            if p.supplier:
                counts[p.supplier] = counts.get(p.supplier, 0) + 1
        return sorted(s for s, n in counts.items() if n >= min_products)
