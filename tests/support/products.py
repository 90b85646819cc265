"""Products written straight to the database, shaped like the ones the seed and the admin write."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bson import ObjectId
from pymongo.database import Database

from shop.core.text import slugify

_slugs = itertools.count()


def make_product(db: Database, **overrides: Any) -> dict[str, Any]:
    """Insert one product (and its inventory row) the way the seed and the admin do."""
    n = next(_slugs)
    now = datetime.now(UTC)
    doc: dict[str, Any] = {
        "_id": ObjectId(),
        "slug": f"test-product-{n}",
        "name": f"Test Product {n}",
        "description": "A product made for a test. It has two sentences.",
        "category": "coffee",
        "price": Decimal("10.00"),
        "stock": 10,
        "imageUrl": f"/media/products/test-product-{n}.svg",
        "tags": ["test"],
        "attributes": {"origin": "Testland"},
        "supplier": "Test Supplier",
        "leadTimeDays": 7,
        "featured": False,
        "rating": 0.0,
        "reviewCount": 0,
        "createdAt": now,
        "updatedAt": now,
        "deletedAt": None,
    }
    doc.update(overrides)
    db.products.insert_one(doc)
    db.inventory.insert_one(
        {
            "productId": doc["_id"],
            "stockLevel": doc["stock"],
            "lastRestocked": now,
            "predictedDemand": None,
            "restockAlert": False,
        }
    )
    return doc


def product_form(**overrides: Any) -> dict[str, Any]:
    """A valid product form as the owner fills it in (texts, as the admin page posts them)."""
    values = {
        "name": "Guji Natural",
        "description": "A bright natural coffee. Blueberry and jasmine.",
        "category": "coffee",
        "price": "14.50",
        "stock": "12",
        "tags": "single origin, Natural, natural",
        "attributes": "origin: Ethiopia\nroast: light",
        "supplier": "Green Bean Co",
        "leadTimeDays": "9",
    }
    values.update(overrides)
    return values


def variant_of(main: dict[str, Any], options: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """The fields of a variant of `main` as ProductAdmin.create_variant writes one (VARIANTS), for
    make_product / product_factory: the main's category and texts, its own options, named and slugged
    by them ("House Espresso Roast (1 kg)"); price, stock, SKU and anything else from `overrides`."""
    label = ", ".join(options.values())
    copied = {key: main[key] for key in ("category", "description", "tags", "attributes") if key in main}
    fields = {"name": f"{main['name']} ({label})", "slug": f"{main['slug']}-{slugify(label)}", **copied}
    return {**fields, "variantOf": main["_id"], "options": options, **overrides}
