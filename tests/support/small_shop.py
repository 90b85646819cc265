"""The small shop the discovery tests search: eight products across the demo's four categories."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pymongo.database import Database


def touch(db: Database, doc: dict[str, Any], **changes: Any) -> None:
    """Update a product the way the admin does: fields plus a fresh updatedAt."""
    db.products.update_one({"_id": doc["_id"]}, {"$set": {**changes, "updatedAt": datetime.now(UTC)}})


SHOP: list[dict[str, Any]] = [
    {
        "slug": "chamomile-lavender",
        "name": "Chamomile & Lavender Herbal Blend",
        "category": "tea",
        "price": Decimal("9.50"),
        "description": "A caffeine-free blend of chamomile and lavender that helps you unwind before bed.",
        "tags": ["tea", "herbal", "caffeine-free", "sleep", "relaxing"],
        "attributes": {"type": "herbal", "caffeine": "none", "notes": "honeyed, floral"},
    },
    {
        "slug": "valerian-reserve",
        "name": "Valerian Reserve Herbal Blend",
        "category": "tea",
        "price": Decimal("18.00"),
        "description": "A caffeine-free bedtime blend of valerian root and lemon balm for deep, restful sleep.",
        "tags": ["tea", "herbal", "caffeine-free", "sleep"],
        "attributes": {"type": "herbal", "caffeine": "none", "notes": "earthy, lemony"},
    },
    {
        "slug": "english-breakfast",
        "name": "English Breakfast",
        "category": "tea",
        "price": Decimal("7.00"),
        "description": "A brisk, malty black tea for mornings; strong enough for milk.",
        "tags": ["tea", "black", "high-caffeine", "breakfast"],
        "attributes": {"type": "black", "caffeine": "high", "notes": "malt, honey"},
    },
    {
        "slug": "yirgacheffe",
        "name": "Ethiopia Yirgacheffe Washed",
        "category": "coffee",
        "price": Decimal("16.00"),
        "description": "A floral washed coffee from Yirgacheffe with jasmine and bergamot.",
        "tags": ["coffee", "single-origin", "ethiopia", "filter"],
        "attributes": {"origin": "Ethiopia", "roast": "light", "caffeine": "caffeinated", "notes": "jasmine"},
    },
    {
        "slug": "house-espresso",
        "name": "House Espresso Roast",
        "category": "coffee",
        "price": Decimal("14.95"),
        "description": "A medium-dark espresso blend with thick crema and cocoa notes.",
        "tags": ["coffee", "blend", "espresso"],
        "attributes": {"origin": "Brazil & Colombia", "roast": "medium-dark", "caffeine": "caffeinated"},
    },
    {
        "slug": "colombia-decaf",
        "name": "Colombia Huila Decaf",
        "category": "coffee",
        "price": Decimal("14.50"),
        "description": "Decaffeinated with the Swiss Water process; sweet caramel and red apple.",
        "tags": ["coffee", "single-origin", "decaf"],
        "attributes": {"origin": "Colombia", "roast": "medium", "caffeine": "decaf"},
    },
    {
        "slug": "dark-chocolate",
        "name": "Dark Chocolate 72% Sea Salt",
        "category": "food",
        "price": Decimal("6.50"),
        "description": "A bar of 72% dark chocolate with flakes of sea salt.",
        "tags": ["food", "chocolate", "vegan"],
        "attributes": {"ingredients": "cocoa mass, cane sugar, sea salt", "weight": "80 g"},
    },
    {
        "slug": "shea-hand-cream",
        "name": "Shea Butter Hand Cream",
        "category": "beauty",
        "price": Decimal("12.00"),
        "description": "A rich hand cream with shea butter for dry, cracked hands.",
        "tags": ["beauty", "hand-cream", "dry"],
        "attributes": {"skinType": "dry", "scent": "unscented"},
    },
]
