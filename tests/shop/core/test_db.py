from __future__ import annotations

from pymongo import ASCENDING
from pymongo.database import Database

from shop.core.db import IN_CHUNK, INDEXES, OBSOLETE_INDEXES, ensure_indexes, find_in


def test_ensure_indexes_creates_the_current_ones_and_drops_obsolete_ones(db: Database) -> None:
    db.products.create_index([("category", ASCENDING), ("price", ASCENDING)], name="category_price")
    ensure_indexes(db)
    ensure_indexes(db)  # a second start-up finds nothing to do
    names = set(db.products.index_information())
    assert {model.document["name"] for model in INDEXES["products"]} <= names
    assert not names & set(OBSOLETE_INDEXES["products"])


def test_find_in_misses_nothing_across_its_chunks(db: Database) -> None:
    db.find_in_probe.insert_many([{"n": n} for n in range(IN_CHUNK * 3)])
    wanted = [n for n in range(IN_CHUNK * 3) if n % 2 == 0] + [-1]  # more than a chunk, and one unknown

    found = list(find_in(db.find_in_probe, "n", wanted, {"n": 1, "_id": 0}))

    assert sorted(doc["n"] for doc in found) == wanted[:-1]
    assert list(find_in(db.find_in_probe, "n", [])) == []
