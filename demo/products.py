"""The product and inventory documents, in the shape the shop stores them (shop/catalog/snapshot.py's
`Product` reads them back), with shelf prices, stock levels, suppliers and the featured picks.

Suppliers and their usual lead times are in demo/data/suppliers.json, keyed by a recipe's
`supplier_group` (a category, a tea origin or a pantry kind).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bson import ObjectId

from demo.assortment import CATEGORY_SHARES
from demo.demand import DemandPlan
from demo.recipes.spec import ProductSpec
from demo.sampling import object_id
from demo.vocabulary import load

FEATURED_COUNT = 12
MIN_PRICE = Decimal("4.50")
MAX_PRICE = Decimal("89.00")


@dataclass(frozen=True)
class Supplier:
    name: str
    lead_days: int  # usual days from purchase order to delivery


SUPPLIERS: dict[str, tuple[Supplier, ...]] = load("suppliers").grouped_records("by_supplier_group", Supplier)


def build_products(
    rng: random.Random,
    seed: int,
    specs: Sequence[ProductSpec],
    plans: Sequence[DemandPlan],
    reviews: list[dict[str, Any]],
    start: datetime,
    today: datetime,
) -> list[dict[str, Any]]:
    """One document per spec; also swaps each review's product slug for the product's id and sets
    every product's rating and review count from its visible reviews."""
    stock = _stock_levels(rng, plans)
    featured = _featured(specs, plans, stock)
    products: list[dict[str, Any]] = []
    ids: dict[str, ObjectId] = {}
    for i, spec in enumerate(specs):
        plan = plans[i]
        if plan.launch_day >= 0:
            created = start + timedelta(days=plan.launch_day, seconds=rng.randrange(9 * 3600, 17 * 3600))
        else:
            created = start - timedelta(days=rng.randrange(14, 400), seconds=rng.randrange(86400))
        updated = created + timedelta(seconds=rng.randrange(int((today - created).total_seconds())))
        supplier = rng.choice(SUPPLIERS[spec.supplier_group])
        product_id = object_id(seed, "product", spec.slug, created)
        ids[spec.slug] = product_id
        products.append(
            {
                "_id": product_id,
                "slug": spec.slug,
                "name": spec.name,
                "description": _description(rng, spec),
                "category": spec.category,
                "price": shelf_price(spec.price),
                "stock": stock[i],
                "imageUrl": f"/media/products/{spec.slug}.svg",
                "tags": spec.tags,
                "attributes": dict(sorted(spec.attributes.items())),
                "supplier": supplier.name,
                "leadTimeDays": min(21, max(3, supplier.lead_days + rng.randint(-1, 2))),
                "featured": i in featured,
                "rating": 0.0,
                "reviewCount": 0,
                "createdAt": created,
                "updatedAt": updated,
                "deletedAt": None,
            }
        )
    by_slug = {p["slug"]: p for p in products}
    totals: dict[str, list[int]] = {}
    for review in reviews:
        slug = review["productId"]
        review["productId"] = ids[slug]
        if not review["hidden"]:
            totals.setdefault(slug, []).append(review["rating"])
    for slug, ratings in totals.items():
        by_slug[slug]["rating"] = round(sum(ratings) / len(ratings), 2)
        by_slug[slug]["reviewCount"] = len(ratings)
    return products


def build_inventory(
    rng: random.Random, seed: int, products: Sequence[dict[str, Any]], today: datetime
) -> list[dict[str, Any]]:
    """One inventory row per product, mirroring its stock, restocked within the last weeks."""
    inventory = []
    for product in products:
        restocked = today - timedelta(days=rng.randrange(1, 40), seconds=rng.randrange(8 * 3600, 18 * 3600))
        restocked = max(restocked, product["createdAt"])
        inventory.append(
            {
                "_id": object_id(seed, "inventory", product["slug"], restocked),
                "productId": product["_id"],
                "stockLevel": product["stock"],
                "lastRestocked": restocked,
                "predictedDemand": None,
                "restockAlert": product["stock"] <= 5,
            }
        )
    return inventory


def shelf_price(value: float) -> Decimal:
    """Round to a price that looks like a shelf label: x.00, x.50, or x.95 for odd dollars."""
    cents = round(value * 2) * 50
    if cents % 100 == 0 and (cents // 100) % 2 == 1:
        cents -= 5
    price = (Decimal(cents) / 100).quantize(Decimal("0.01"))
    return min(MAX_PRICE, max(MIN_PRICE, price))


def _description(rng: random.Random, spec: ProductSpec) -> str:
    """Intro + notes, then required sentences, then 0-2 optional ones: 2-4 sentences, never the same mix."""
    sentences = [*spec.lead, *spec.must]
    room = max(0, 4 - len(sentences))
    sentences.extend(spec.extras[: min(room, rng.choice((0, 1, 1, 2, 2)))])
    return " ".join(sentences[:4])


def _stock_levels(rng: random.Random, plans: Sequence[DemandPlan]) -> list[int]:
    """Mostly healthy stock, a few sold out and a few nearly gone, so restock alerts have work to do."""
    n = len(plans)
    levels = [rng.randint(5, 120) for _ in range(n)]
    shuffled = list(range(n))
    rng.shuffle(shuffled)
    sold_out = max(1, round(n * 0.04)) if n >= 10 else 0
    low = max(1, round(n * 0.05)) if n >= 10 else 0
    for idx in shuffled[:sold_out]:
        levels[idx] = 0
    for idx in shuffled[sold_out : sold_out + low]:
        levels[idx] = rng.randint(1, 3)
    return levels


def _featured(specs: Sequence[ProductSpec], plans: Sequence[DemandPlan], stock: Sequence[int]) -> set[int]:
    """Round-robin the best (quality x popularity) in-stock product of each category, up to 12."""
    count = min(FEATURED_COUNT, max(1, len(specs) // 12))
    ranked: dict[str, list[int]] = {}
    for i in sorted(range(len(specs)), key=lambda i: -(plans[i].quality * math.sqrt(plans[i].share))):
        if stock[i] > 5 and plans[i].launch_day < 0:
            ranked.setdefault(specs[i].category, []).append(i)
    chosen: set[int] = set()
    while len(chosen) < count and any(ranked.values()):
        for category in CATEGORY_SHARES:
            if ranked.get(category) and len(chosen) < count:
                chosen.add(ranked[category].pop(0))
    return chosen
