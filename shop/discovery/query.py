"""Query understanding: the filters a visitor's free text states ("under $15", "decaf", "in stock",
a category), taken out of the words to rank by.

Which words name which category is the shop's data (shop.catalog.categories: words, phrases,
occasion words and words that are no hint), passed in by the caller; what stays here is English
structure that holds for any shop: price comparisons, units, "in stock", and "for/with my ..."
before an occasion. (Caffeine is still understood here: it is the one product attribute this
parser filters on.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from shop.catalog.categories import Category
from shop.catalog.snapshot import CatalogQuery, Product
from shop.core.text import tokenize
from shop.discovery.documents import is_caffeine_free


@dataclass(frozen=True)
class QueryFilters:
    """Filters the parser understood in free text; the form's explicit values always win."""

    category: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    caffeine_free: bool = False
    in_stock: bool = False

    def __bool__(self) -> bool:
        return (
            bool(self.category or self.min_price is not None or self.max_price is not None or self.caffeine_free)
            or self.in_stock
        )

    def merged_into(self, query: CatalogQuery) -> CatalogQuery:
        updates: dict[str, Any] = {}
        if query.category is None and self.category:
            updates["category"] = self.category
        if query.min_price is None and self.min_price is not None:
            updates["min_price"] = self.min_price
        if query.max_price is None and self.max_price is not None:
            updates["max_price"] = self.max_price
        if self.in_stock and not query.in_stock:
            updates["in_stock"] = True
        return query.model_copy(update=updates) if updates else query

    def admits(self, product: Product) -> bool:
        """The filters CatalogQuery cannot express (caffeine)."""
        return not self.caffeine_free or is_caffeine_free(product)


_NUMBER = r"(\d{1,6}(?:\.\d{1,2})?)(?!\.?\d)"  # never a prefix of a longer number
_CURRENCY_WORD = r"(?:dollars?|usd|bucks|\$)"
_MONEY = rf"(\$\s*)?{_NUMBER}(?:\s*{_CURRENCY_WORD})?"
# A number followed by a unit is a size, a strength or a time, never a price ("over 70% cocoa").
_UNIT = re.compile(
    r"\s*(?:%|°|(?:percent|g|gr|grams?|kg|kilos?|mg|ml|l|litres?|liters?|oz|ounces?|lbs?|pounds?|cups?|bags?|"
    r"pods?|capsules?|sachets?|servings?|pieces?|pcs|x|minutes?|mins?|hours?|days?|weeks?|months?|years?|"
    r"degrees?|c|f|stars?|reviews?|calories|kcal)\b)",
    re.IGNORECASE,
)
_MAX_WORDS = (
    r"under|below|beneath|less\s+than|cheaper\s+than|lower\s+than|no\s+more\s+than|not\s+more\s+than|"
    r"at\s+most|up\s+to|max(?:imum)?|within|<=?"
)
_MIN_WORDS = r"over|above|more\s+than|higher\s+than|at\s+least|min(?:imum)?|>=?"
_BETWEEN = re.compile(rf"\b(?:between|from)\s+{_MONEY}\s*(?:and|to|-|–)\s*{_MONEY}", re.IGNORECASE)
_RANGE = re.compile(rf"(?<![\w.]){_MONEY}\s*(?:-|–|to)\s*{_MONEY}", re.IGNORECASE)
_MAX = re.compile(rf"(?:(?<=\s)|^)(?:{_MAX_WORDS})\s*{_MONEY}", re.IGNORECASE)
_MIN = re.compile(rf"(?:(?<=\s)|^)(?:{_MIN_WORDS})\s*{_MONEY}", re.IGNORECASE)
_MAX_AFTER = re.compile(rf"(?<![\w.]){_MONEY}\s+(?:or\s+less|or\s+under|or\s+cheaper|and\s+under|max)\b", re.IGNORECASE)
_MIN_AFTER = re.compile(rf"(?<![\w.]){_MONEY}\s*(?:\+|\s(?:or\s+more|and\s+up|and\s+over|or\s+above)\b)", re.IGNORECASE)

_CAFFEINE_FREE = re.compile(
    r"\b(?:caffeine[-\s]?free|no[-\s]caffeine|without\s+(?:any\s+)?caffeine|zero[-\s]caffeine|"
    r"non[-\s]?caffeinated|un[-\s]?caffeinated|decaf(?:feinated)?|caffeine\s*:\s*none)\b",
    re.IGNORECASE,
)
_IN_STOCK = re.compile(
    r"\b(?:(?:only\s+)?(?:that\s+(?:is|are)\s+)?in[-\s]stock(?:\s+only)?|available\s+(?:now|today)|ready\s+to\s+ship)\b",
    re.IGNORECASE,
)

# "to go with my coffee", "for tea", "pairs with espresso": after these words a category's occasion
# words (Category.occasion_words) name the occasion, not the product wanted.
_OCCASION_LEAD = (
    r"\b(?:for|with|alongside|in|into|go(?:es)?\s+with|pairs?\s+with|pairing\s+with)\s+(?:my\s+|a\s+|the\s+|your\s+|our\s+)?"
    r"(?:morning\s+|afternoon\s+|evening\s+)?"
)
_CONNECTORS = {
    "for",
    "at",
    "and",
    "priced",
    "costing",
    "that",
    "which",
    "is",
    "are",
    "with",
    "but",
    "costs",
    "cost",
    "only",
    "around",
    "of",
    "from",
    "something",
}


def _money(text: str) -> Decimal | None:
    try:
        value = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return value if 0 <= value <= 100000 else None


def _looks_like_price(match: re.Match[str], text: str) -> bool:
    """A number is a price unless a unit follows it; currency signs settle it either way."""
    return not _UNIT.match(text, match.end()) or "$" in match.group(0)


def parse_query(text: str, categories: Iterable[Category]) -> tuple[str, QueryFilters]:
    """Split free text into the words to rank by and the filters it states.

    Conservative on purpose: a wrong filter hides good products silently, while a missed one only
    ranks them a bit lower. Prices need a comparison word ("under 15", "$10-$20"), never a bare number;
    a category is set only when exactly one of the shop's `categories` is named and nothing suggests
    an accompaniment ("biscuits for my tea") or another kind of product ("coffee syrup"). What names
    a category is the shop's data (Category.words and the other vocabulary lists), not this code.
    """
    remaining = text
    spans: list[tuple[int, int]] = []
    min_price: Decimal | None = None
    max_price: Decimal | None = None

    def take(pattern: re.Pattern[str]) -> list[re.Match[str]]:
        found = []
        for match in pattern.finditer(remaining):
            if any(start < match.end() and match.start() < end for start, end in spans):
                continue
            if not _looks_like_price(match, remaining):
                continue
            found.append(match)
            spans.append(match.span())
        return found

    for match in take(_BETWEEN):
        low, high = _money(match.group(2)), _money(match.group(4))
        if low is not None and high is not None:
            min_price, max_price = min(low, high), max(low, high)
    for match in _RANGE.finditer(remaining):
        if any(start < match.end() and match.start() < end for start, end in spans):
            continue
        has_currency = "$" in match.group(0) or re.search(_CURRENCY_WORD, match.group(0), re.IGNORECASE)
        if not has_currency or not _looks_like_price(match, remaining):
            continue
        low, high = _money(match.group(2)), _money(match.group(4))
        if low is not None and high is not None:
            spans.append(match.span())
            min_price, max_price = min(low, high), max(low, high)
    for match in take(_MAX) + take(_MAX_AFTER):
        value = _money(match.group(2))
        if value is not None:
            max_price = value if max_price is None else min(max_price, value)
    for match in take(_MIN) + take(_MIN_AFTER):
        value = _money(match.group(2))
        if value is not None:
            min_price = value if min_price is None else max(min_price, value)
    if min_price is not None and max_price is not None and min_price > max_price:
        min_price = max_price = None  # contradictory ("over 30 under 10"): trust neither

    in_stock = False
    for match in _IN_STOCK.finditer(remaining):
        spans.append(match.span())
        in_stock = True

    for start, end in sorted(spans, reverse=True):
        remaining = remaining[:start] + " " + remaining[end:]

    caffeine_free = bool(_CAFFEINE_FREE.search(remaining))
    # Negations embed badly ("without caffeine" sits next to caffeine); say it the way products do.
    remaining = re.sub(
        r"\b(?:no[-\s]caffeine|without\s+(?:any\s+)?caffeine|zero[-\s]caffeine|non[-\s]?caffeinated|"
        r"un[-\s]?caffeinated)\b",
        "caffeine-free",
        remaining,
        flags=re.IGNORECASE,
    )

    remaining = _tidy(remaining)
    filters = QueryFilters(
        category=_category_hint(remaining, _vocabulary(tuple(categories))),
        min_price=min_price,
        max_price=max_price,
        caffeine_free=caffeine_free,
        in_stock=in_stock,
    )
    return remaining, filters


@dataclass(frozen=True)
class _Vocabulary:
    """The shop's category vocabulary as token sequences, compiled once per set of categories."""

    phrases: tuple[tuple[str, tuple[str, ...]], ...]
    words: tuple[tuple[str, tuple[str, ...]], ...]
    not_hints: tuple[tuple[str, ...], ...]
    occasion: re.Pattern[str] | None


@lru_cache(maxsize=8)
def _vocabulary(categories: tuple[Category, ...]) -> _Vocabulary:
    def sequences(entries: Iterable[str]) -> list[tuple[str, ...]]:
        return [tokens for tokens in (tuple(tokenize(entry)) for entry in entries) if tokens]

    occasion_words = sorted(
        {w.strip().lower() for c in categories for w in c.occasion_words if w.strip()}, key=lambda w: (len(w), w)
    )
    occasion = None
    if occasion_words:
        alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in reversed(occasion_words))
        occasion = re.compile(rf"{_OCCASION_LEAD}(?:{alternatives})\b", re.IGNORECASE)
    return _Vocabulary(
        phrases=tuple((c.slug, tokens) for c in categories for tokens in sequences(c.phrases)),
        words=tuple((c.slug, tokens) for c in categories for tokens in sequences(c.words)),
        not_hints=tuple(tokens for c in categories for tokens in sequences(c.not_hints)),
        occasion=occasion,
    )


def _contains(tokens: Sequence[str], phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` occurs in `tokens` as whole consecutive words."""
    size = len(phrase)
    return any(tuple(tokens[i : i + size]) == phrase for i in range(len(tokens) - size + 1))


def _category_hint(text: str, vocabulary: _Vocabulary) -> str | None:
    tokens = tokenize(text)
    # Unambiguous phrases decide the category even next to another category's word.
    strong = {slug for slug, phrase in vocabulary.phrases if _contains(tokens, phrase)}
    if strong:
        return strong.pop() if len(strong) == 1 else None
    if any(_contains(tokens, phrase) for phrase in vocabulary.not_hints):
        return None
    if vocabulary.occasion is not None and vocabulary.occasion.search(text):
        return None
    named = {slug for slug, phrase in vocabulary.words if _contains(tokens, phrase)}
    return named.pop() if len(named) == 1 else None


def _tidy(text: str) -> str:
    words = re.sub(r"\s+", " ", text).strip(" ,.;:!?-").split(" ")
    while words and words[-1].lower().strip(",.;:!?") in _CONNECTORS:
        words.pop()
    while words and words[0].lower().strip(",.;:!?") in _CONNECTORS - {"something"}:
        words.pop(0)
    return " ".join(words).strip(" ,.;:!?-")
