from __future__ import annotations

from pymongo import ASCENDING
from pymongo.database import Database

from shop.db import INDEXES, OBSOLETE_INDEXES, ensure_indexes


def test_ensure_indexes_creates_the_current_ones_and_drops_obsolete_ones(db: Database) -> None:
    db.products.create_index([("category", ASCENDING), ("price", ASCENDING)], name="category_price")
    ensure_indexes(db)
    ensure_indexes(db)  # a second start-up finds nothing to do
    names = set(db.products.index_information())
    assert {model.document["name"] for model in INDEXES["products"]} <= names
    assert not names & set(OBSOLETE_INDEXES["products"])
