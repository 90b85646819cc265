"""The in-process catalog snapshot follows the database: other processes' writes, new and removed products."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.database import Database

from shop.catalog import snapshot as catalog_module
from shop.catalog.snapshot import Catalog, Product


def _write(db: Database, product: dict[str, Any], **fields: Any) -> None:
    db.products.update_one({"_id": product["_id"]}, {"$set": {**fields, "updatedAt": datetime.now(UTC)}})


def test_the_snapshot_follows_writes_made_elsewhere(db: Database, product_factory: Any) -> None:
    kept = product_factory(name="Assam Breakfast", stock=10)
    gone = product_factory(name="Old Blend")
    catalog = Catalog(db, refresh_seconds=0)
    assert {p.name for p in catalog.all()} == {"Assam Breakfast", "Old Blend"}
    seen: list[list[str]] = []
    catalog.on_change(lambda changed: seen.append(sorted(p.name for p in changed)))

    _write(db, kept, stock=4)
    _write(db, gone, deletedAt=datetime.now(UTC))
    new = product_factory(name="Yunnan Gold")

    assert {p.name for p in catalog.all()} == {"Assam Breakfast", "Yunnan Gold"}
    assert catalog.get(str(kept["_id"])).stock == 4
    assert catalog.get(str(gone["_id"])) is None and catalog.get_any(str(gone["_id"])) is not None
    assert catalog.get(str(new["_id"])).name == "Yunnan Gold"
    assert seen == [["Assam Breakfast", "Old Blend", "Yunnan Gold"]]


def test_a_refresh_reads_whole_only_the_products_that_moved(
    db: Database, product_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every product written in the overlap window used to be read and parsed again each second."""
    products = [product_factory(name=f"Sencha No. {n}") for n in range(5)]
    catalog = Catalog(db, refresh_seconds=0)
    catalog.all()
    parsed: list[str] = []
    parse = Product.from_doc
    monkeypatch.setattr(
        catalog_module.Product, "from_doc", classmethod(lambda cls, doc: parsed.append(doc["name"]) or parse(doc))
    )

    _write(db, products[2], name="Sencha Asahi")
    catalog.all()

    assert parsed == ["Sencha Asahi"]
    assert catalog.get(str(products[2]["_id"])).name == "Sencha Asahi"
