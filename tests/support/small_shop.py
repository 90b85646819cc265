"""The small shop the discovery tests search: eight products across the demo's four categories."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pymongo.database import Database


def touch(db: Database, doc: dict[str, Any], **changes: Any) -> None:
    """Update a product the way the admin does: fields plus a fresh updatedAt."""
    db.products.update_one({"_id": doc["_id"]}, {"$set": {**changes, "updatedAt": datetime.now(UTC)}})


def load_products(path: Path) -> list[dict[str, Any]]:
    """Product documents from a JSON file, each price as the Decimal the shop stores (JSON has no
    decimals). Why files: a test shop's products are data, and a list of them in code is a page of
    look-alike dicts."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [{**row, "price": Decimal(row["price"])} for row in rows]


SHOP: list[dict[str, Any]] = load_products(Path(__file__).with_name("small_shop.json"))
"""The eight products, as tests insert them (the data is in small_shop.json: it is data, not code)."""
