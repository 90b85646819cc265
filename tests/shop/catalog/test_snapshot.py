"""The in-process catalog snapshot follows the database: other processes' writes, new and removed products,
and the shop's categories, with a version number that moves whenever what it holds does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from pymongo.database import Database

from shop.catalog import snapshot as catalog_module
from shop.catalog.categories import Category, save_categories
from shop.catalog.snapshot import Catalog, CatalogQuery, Product


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


def test_invalidate_makes_the_next_read_refresh_whatever_the_refresh_period(db: Database, product_factory: Any) -> None:
    """This process's own writes call invalidate(); a period longer than the machine's uptime (the
    monotonic clock's age) must not keep the old snapshot."""
    product = product_factory(name="Assam Breakfast", stock=10)
    catalog = Catalog(db, refresh_seconds=1e12)
    assert catalog.get(str(product["_id"])).stock == 10
    _write(db, product, stock=3)
    assert catalog.get(str(product["_id"])).stock == 10  # within the period: the snapshot stands
    catalog.invalidate()
    assert catalog.get(str(product["_id"])).stock == 3


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
        catalog_module.Product,
        "from_doc",
        classmethod(lambda cls, doc, **named: parsed.append(doc["name"]) or parse(doc, **named)),
    )

    _write(db, products[2], name="Sencha Asahi")
    catalog.all()

    assert parsed == ["Sencha Asahi"]
    assert catalog.get(str(products[2]["_id"])).name == "Sencha Asahi"


def test_the_version_moves_only_when_the_snapshot_changes(db: Database, product_factory: Any) -> None:
    product = product_factory(name="Assam Breakfast")
    catalog = Catalog(db, refresh_seconds=0)
    first = catalog.version
    assert catalog.versioned() == (first, catalog.all())
    catalog.all()
    assert catalog.version == first  # nothing written: same snapshot, same number

    _write(db, product, stock=3)
    assert catalog.version == first + 1
    save_categories(db, [Category(slug="gifts", name="Gifts", position=9)])
    assert catalog.version == first + 2  # a category alone is a change too


def test_categories_come_from_the_database_with_their_counts(db: Database, product_factory: Any) -> None:
    product_factory(category="tea")
    product_factory(category="tea", deletedAt=datetime.now(UTC))
    catalog = Catalog(db, refresh_seconds=0)
    views = {view.slug: (view.name, view.count, view.icon) for view in catalog.categories()}
    assert list(views) == ["coffee", "tea", "food", "beauty"]  # the test shop's, in their positions
    assert views["tea"] == ("Tea", 1, "leaf")  # deleted products are not on the shelf
    assert catalog.category("food").name == "Pantry & Treats"
    assert catalog.category("wine") is None and catalog.category(None) is None


def test_a_renamed_category_renames_its_products_everywhere(db: Database, product_factory: Any) -> None:
    """Another process renames a category: names, search terms and listeners follow on the next refresh."""
    doc = product_factory(name="Acacia Honey", category="food")
    catalog = Catalog(db, refresh_seconds=0)
    product = catalog.get(str(doc["_id"]))
    assert product.category_name == "Pantry & Treats" and "pantry" in product.terms
    seen: list[list[str]] = []
    catalog.on_change(lambda changed: seen.append([p.name for p in changed]))

    food = catalog.category("food")
    save_categories(db, [food.model_copy(update={"name": "Larder"})])

    renamed = catalog.get(str(doc["_id"]))
    assert renamed.category_name == "Larder" and "larder" in renamed.terms and "pantry" not in renamed.terms
    assert renamed.version != product.version  # pages that show it are rendered again
    assert seen == [["Acacia Honey"]]  # e.g. re-embedded: the category name is part of its document
    assert [view.name for view in catalog.categories()][2] == "Larder"


def test_a_category_removed_elsewhere_leaves_the_snapshot(db: Database, product_factory: Any) -> None:
    product_factory(category="beauty")
    catalog = Catalog(db, refresh_seconds=0)
    assert catalog.category("beauty") is not None
    db.categories.delete_one({"_id": "beauty"})
    assert catalog.category("beauty") is None
    assert "beauty" not in [view.slug for view in catalog.categories()]
    assert catalog.all()[0].category_name == "Beauty"  # its products keep a name made from the slug


def test_url_input_names_one_of_the_shops_categories(db: Database) -> None:
    catalog = Catalog(db, refresh_seconds=0)
    assert CatalogQuery.validated({"category": "tea"}, catalog.all_categories()).category == "tea"
    with pytest.raises(ValidationError) as caught:
        CatalogQuery.validated({"category": "wine"}, catalog.all_categories())
    assert caught.value.errors()[0]["ctx"]["expected"] == "'coffee', 'tea', 'food' or 'beauty'"
    assert CatalogQuery(category="wine").category == "wine"  # built by code: lists nothing, no error


def test_a_family_of_variants_lists_as_its_main_product(db: Database, product_factory: Any) -> None:
    """VARIANTS: each member is a product of its own (price, SKU, stock); listings, category counts and
    search show the main product, whose family holds every active member."""
    from decimal import Decimal

    main = product_factory(name="House Espresso", price=Decimal("12.00"), options={"size": "250 g"}, sku="HE-250")
    big = product_factory(
        name="House Espresso (1 kg)", price=Decimal("38.00"), stock=3, variantOf=main["_id"], options={"size": "1 kg"}
    )
    small = product_factory(
        name="House Espresso (100 g)", price=Decimal("6.00"), variantOf=main["_id"], options={"size": "100 g"}
    )
    single = product_factory(name="Kenya AA")
    catalog = Catalog(db, refresh_seconds=0)

    assert {p.name for p in catalog.all()} == {"House Espresso", "House Espresso (1 kg)", "House Espresso (100 g)",
                                               "Kenya AA"}  # fmt: skip
    assert {p.name for p in catalog.listed()} == {"House Espresso", "Kenya AA"}
    listing = catalog.search(CatalogQuery(category="coffee", sort="price_asc"))
    assert [p.name for p in listing.items] == ["Kenya AA", "House Espresso"] and listing.total == 2
    assert {c.slug: c.count for c in catalog.categories()}.get("coffee") == 2

    espresso = catalog.get(str(main["_id"]))
    one_kilo = catalog.get(str(big["_id"]))
    assert espresso is not None and one_kilo is not None
    assert one_kilo.variant_of == espresso.id and one_kilo.family_id == espresso.family_id == espresso.id
    assert one_kilo.option_label == "1 kg" and one_kilo.stock == 3 and espresso.sku == "HE-250"
    family = [p.name for p in catalog.family(one_kilo)]
    assert family == ["House Espresso", "House Espresso (100 g)", "House Espresso (1 kg)"]  # main, then by price
    kenya = catalog.get(str(single["_id"]))
    assert kenya is not None and catalog.family(kenya) == [kenya]

    # A search hit on a variant ranks its main product, the one listings show.
    found = catalog.search(CatalogQuery(q="espresso 1 kg"), scores={str(big["_id"]): 0.9, str(single["_id"]): 0.2})
    assert [p.name for p in found.items] == ["House Espresso", "Kenya AA"]

    _write(db, small, deletedAt=datetime.now(UTC))
    assert [p.name for p in catalog.family(espresso)] == ["House Espresso", "House Espresso (1 kg)"]
