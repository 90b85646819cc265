"""What a product means to the search: the embedded document and the filterable metadata."""

from __future__ import annotations

from typing import Any

from shop.catalog.snapshot import Catalog
from shop.discovery.documents import product_document, product_metadata


def test_product_document_and_metadata(small_shop: dict[str, dict[str, Any]], catalog: Catalog) -> None:
    product = catalog.by_slug("chamomile-lavender")
    assert product is not None
    document = product_document(product)
    assert document.startswith("Chamomile & Lavender Herbal Blend. Tea.")
    assert "caffeine: none" in document
    assert "caffeine free" in document  # tags as words
    assert "unwind before bed" in document
    assert "9.50" not in document  # prices are filters, not meaning

    cream = catalog.by_slug("shea-hand-cream")
    assert cream is not None
    assert "skin type: dry" in product_document(cream)

    assert product_metadata(product) == {
        "category": "tea",
        "price": 9.5,
        "in_stock": True,
        "rating": 0.0,
        "caffeine_free": True,
    }
    espresso = catalog.by_slug("house-espresso")
    decaf = catalog.by_slug("colombia-decaf")
    assert espresso is not None and decaf is not None
    assert product_metadata(espresso)["caffeine_free"] is False
    assert product_metadata(decaf)["caffeine_free"] is True
