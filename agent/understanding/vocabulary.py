"""What a request can name in this shop: its categories, its attribute filters, its policy sections.

Built from the shop's own data (the catalog's categories and structured attributes, the owner's policy
files), never from a word list in code: a bookshop's filters are its genres and formats, a coffee
shop's are caffeine, origin and diet. The model fills the request under a JSON schema whose enums are
these values, so "sin gluten", "entkoffeiniert" or "from Japan" can only become a filter the catalog
really has (`diet=gluten-free`, `caffeine=decaf`, `origin=Japan`), and code filters on it exactly.

An attribute is a filter when its values are few and short (at most `MAX_FACET_VALUES` distinct parts
in any one category after splitting lists like "vegan, gluten-free" or "Kenya & Ethiopia", none with digits): caffeine,
type, diet, origin, roast, skin type. Tasting notes, ingredients and weights are not (too many values,
or quantities), they stay with the free-text search.

Measured on the demo shop (160 products): 9 filter keys, 71 values; the schema of the request is
~1,100 prompt tokens, read once per model start (the local server caches the prompt prefix).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from shop.catalog.snapshot import Catalog, Product
from shop.conversations.policies import PolicyLibrary

MAX_FACET_VALUES = 24
MAX_VALUE_WORDS = 3
_SPLIT = re.compile(r"\s*(?:,|&|/|\band\b)\s*")


def value_parts(value: str) -> list[str]:
    """The single values in an attribute ("vegan, gluten-free" -> ["vegan", "gluten-free"])."""
    return [part.strip().lower() for part in _SPLIT.split(value or "") if part.strip()]


@dataclass(frozen=True)
class Vocabulary:
    """The values a request may use, as the schema's enums."""

    categories: tuple[str, ...]
    category_names: dict[str, str]
    filters: tuple[str, ...]
    """`key=value` strings, e.g. "caffeine=decaf", "origin=japan"."""
    policies: tuple[str, ...]
    """Policy section titles, e.g. "Refunds", "Damaged or wrong items"."""
    filter_categories: dict[str, frozenset[str]] = field(default_factory=dict)
    """Which categories carry each filter (for the nearest-match explanation)."""


def product_matches(product: Product, filters: list[str]) -> bool:
    """Whether a product has every filter's value (filters on the same key: any of their values)."""
    wanted: dict[str, set[str]] = {}
    for item in filters:
        key, _, value = item.partition("=")
        wanted.setdefault(key, set()).add(value)
    for key, values in wanted.items():
        parts = set(value_parts(product.attributes.get(key, "")))
        if not parts & values:
            return False
    return True


def build_vocabulary(catalog: Catalog, policies: PolicyLibrary) -> Vocabulary:
    values: dict[str, set[str]] = {}
    shelves: dict[str, dict[str, set[str]]] = {}
    """key -> category -> values: a facet is counted per category (a coffee's origin is chosen among the
    coffees' origins), so the demo's 18 coffee and 16 tea origins make a filter, not 32 values to drop."""
    where: dict[str, set[str]] = {}
    for product in catalog.all():
        for key, raw in product.attributes.items():
            for part in value_parts(raw):
                values.setdefault(key, set()).add(part)
                shelves.setdefault(key, {}).setdefault(product.category, set()).add(part)
                where.setdefault(f"{key}={part}", set()).add(product.category)
    filters: list[str] = []
    for key in sorted(values):
        parts = values[key]
        if any(len(shelf) > MAX_FACET_VALUES for shelf in shelves[key].values()):
            continue
        if any(re.search(r"\d", p) or len(p.split()) > MAX_VALUE_WORDS for p in parts):
            continue
        filters += [f"{key}={part}" for part in sorted(parts)]
    categories = catalog.all_categories()
    return Vocabulary(
        categories=tuple(c.slug for c in categories),
        category_names={c.slug: c.name for c in categories},
        filters=tuple(filters),
        policies=tuple(dict.fromkeys(section.title for section in policies.sections())),
        filter_categories={f: frozenset(where.get(f, ())) for f in filters},
    )


class VocabularyCache:
    """The vocabulary of the catalog's current version (and the policy files' current text)."""

    def __init__(self, catalog: Catalog, policies: PolicyLibrary) -> None:
        self.catalog = catalog
        self.policies = policies
        self._lock = threading.Lock()
        self._built: tuple[tuple[int, tuple[str, ...]], Vocabulary] | None = None

    def current(self) -> Vocabulary:
        stamp = (self.catalog.version, tuple(s.title for s in self.policies.sections()))
        built = self._built
        if built is not None and built[0] == stamp:
            return built[1]
        with self._lock:
            vocabulary = build_vocabulary(self.catalog, self.policies)
            self._built = (stamp, vocabulary)
            return vocabulary
