"""VARIANTS (issue 14): a few demo coffees sold in more than one size or grind.

A variant is a product document of its own (price, SKU, stock) whose `variantOf` names its family's
main product (shop/catalog/snapshot.py). The demo gives the three most reviewed coffees a 1 kg bag
beside their usual bag, and the next one a ground version beside its whole beans.

They are built after the rest of the shop and kept apart from `DemoShop.products` (seed.py inserts
them together): the history steps (orders, reviews, the planted demand each forecast test compares
with) are per main product, and drawing from their own `random.Random` leaves every draw of the
pipeline, and so the rest of the shop, as it was.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from demo.products import MAX_PRICE, shelf_price
from demo.sampling import object_id
from shop.core.text import slugify

SIZE_FAMILIES = 3
GRIND_FAMILIES = 1
KILO_DISCOUNT = 0.85  # a 1 kg bag costs 85% of the same coffee bought in small bags


@dataclass
class DemoVariants:
    """`documents`: the variants' product documents; `inventory`: one row per variant; `mains`: the
    fields each family's main product gets (`options`, `sku`), by the main's slug."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    inventory: list[dict[str, Any]] = field(default_factory=list)
    mains: dict[str, dict[str, Any]] = field(default_factory=dict)


def build_variants(seed: int, products: list[dict[str, Any]], today: datetime) -> DemoVariants:
    """The variants of the demo's coffees; same products and seed always give equal output."""
    rng = random.Random(f"{seed}:variants")
    out = DemoVariants()
    coffees = sorted(
        (
            p
            for p in products
            if p["category"] == "coffee" and _grams(p) and not re.search(r"\bkg\b|\bBag\b", p["name"])
        ),
        key=lambda p: (-p["reviewCount"], p["slug"]),
    )
    for number, main in enumerate(coffees[: SIZE_FAMILIES + GRIND_FAMILIES], start=1):
        code = f"DEMO-C{number:02d}"
        grams = _grams(main)
        if number <= SIZE_FAMILIES:
            main_options = {"size": main["attributes"]["weight"]}
            options = {"size": "1 kg"}
            sku = f"{code}-1000"
            price = min(MAX_PRICE, shelf_price(float(main["price"]) * 1000 / grams * KILO_DISCOUNT))
            attributes = {**main["attributes"], "weight": "1 kg"}
            main_sku = f"{code}-{grams}"
        else:
            main_options = {"grind": "whole bean"}
            options = {"grind": "ground"}
            sku = f"{code}-G"
            price = Decimal(main["price"])
            attributes = {**main["attributes"], "grind": "ground"}
            main_sku = f"{code}-W"
        out.mains[main["slug"]] = {"options": main_options, "sku": main_sku}
        label = ", ".join(options.values())
        slug = f"{main['slug']}-{slugify(' '.join(options.values()))}"
        created = main["createdAt"] + timedelta(days=rng.randrange(0, 30))
        created = min(created, today - timedelta(hours=1))
        stock = rng.randint(4, 40)
        doc = {
            **{k: v for k, v in main.items() if k not in ("_id", "featured", "rating", "reviewCount")},
            "_id": object_id(seed, "product", slug, created),
            "slug": slug,
            "name": f"{main['name']} ({label})",
            "price": price,
            "stock": stock,
            "attributes": dict(sorted(attributes.items())),
            "featured": False,
            "rating": 0.0,
            "reviewCount": 0,
            "createdAt": created,
            "updatedAt": created,
            "variantOf": main["_id"],
            "options": options,
            "sku": sku,
        }
        out.documents.append(doc)
        out.inventory.append(
            {
                "_id": object_id(seed, "inventory", slug, created),
                "productId": doc["_id"],
                "stockLevel": stock,
                "lastRestocked": created,
                "predictedDemand": None,
                "restockAlert": stock <= 5,
            }
        )
    return out


def _grams(product: dict[str, Any]) -> int:
    """The bag's weight in grams from its `weight` attribute ("250 g"), 0 when it has none."""
    found = re.fullmatch(r"(\d+) g", str(product.get("attributes", {}).get("weight", "")))
    return int(found.group(1)) if found else 0
