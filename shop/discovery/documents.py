"""What a product means to the search: the text it is embedded from and its filterable facts.

Why this lives in shop/ and not in vectorstore/: deciding WHAT a product means (its text, its
filterable facts, which changes matter) is domain knowledge; vectorstore/ only stores vectors.
"""

from __future__ import annotations

import re

from shop.catalog.snapshot import Product
from shop.core.text import normalize

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _label(key: str) -> str:
    return _CAMEL.sub(" ", key).replace("_", " ").lower()


def product_document(product: Product) -> str:
    """The text a product is embedded from.

    Name and category come first because the model truncates long inputs (256 word pieces) and they
    carry the most meaning; attributes and tags follow as plain words (tasting notes, "caffeine:
    none", "sleep") because that is how customers describe what they want. Price and stock are left
    out on purpose: they change often, and they are filters, not meaning.
    """
    parts = [f"{product.name}.", f"{product.category_name}."]
    if product.attributes:
        parts.append("; ".join(f"{_label(k)}: {v}" for k, v in product.attributes.items()) + ".")
    if product.tags:
        parts.append("Tags: " + ", ".join(t.replace("-", " ") for t in product.tags) + ".")
    if product.description:
        parts.append(product.description.strip())
    return " ".join(parts)


def is_caffeine_free(product: Product) -> bool:
    """True only when the product says so (attribute or tag): unknown caffeine is not caffeine-free."""
    caffeine = normalize(product.attributes.get("caffeine", ""))
    if caffeine in {"none", "decaf", "decaffeinated", "caffeine-free", "caffeine free", "no", "0", "free"}:
        return True
    tags = {normalize(t) for t in product.tags}
    return bool(tags & {"caffeine-free", "decaf", "decaffeinated", "caffeine free"})


def product_metadata(product: Product) -> dict[str, str | float | bool]:
    """Filterable facts stored next to the vector, so Chroma can pre-filter neighbour candidates.

    The content hash of the embedded text is added by the store as `fingerprint` (it also covers
    the model name, so switching models re-embeds everything).
    """
    return {
        "category": product.category,
        "price": float(product.price),
        "in_stock": product.in_stock,
        "rating": round(float(product.rating), 3),
        "caffeine_free": is_caffeine_free(product),
    }
