"""VARIANTS (issue 14) in the demo shop: a few coffees in a second size and one in a second grind,
following the model's rules, and the catalog reads them back as families."""

from __future__ import annotations

import re
from decimal import Decimal

from pymongo.database import Database

from demo.seed import DemoShop, _to_bson, build_demo_shop
from shop.catalog.snapshot import Catalog
from tests.support.sample_shop import NOW, sample_shop

SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
COPIED = ("category", "description", "tags", "imageUrl", "supplier", "leadTimeDays")


def test_three_coffees_get_a_kilo_bag_and_one_a_ground_version() -> None:
    shop: DemoShop = sample_shop()
    mains = {p["_id"]: p for p in shop.products}
    variants = shop.variants.documents
    assert [v["options"] for v in variants] == [{"size": "1 kg"}] * 3 + [{"grind": "ground"}]
    skus = [v["sku"] for v in variants] + [m["sku"] for m in shop.variants.mains.values()]
    assert len(set(skus)) == len(skus) and all(SKU.match(sku) for sku in skus)
    for variant in variants:
        main = mains[variant["variantOf"]]
        fields = shop.variants.mains[main["slug"]]
        assert main["category"] == "coffee" and "variantOf" not in main
        assert fields["options"] != variant["options"] and set(fields["options"]) == set(variant["options"])
        label = ", ".join(variant["options"].values())
        assert variant["name"] == f"{main['name']} ({label})"
        assert variant["slug"] == f"{main['slug']}-{label.replace(' ', '-')}"
        assert all(variant[key] == main[key] for key in COPIED)
        assert variant["_id"] != main["_id"] and variant["stock"] > 0
        assert variant["createdAt"] >= main["createdAt"]
        if variant["options"] == {"size": "1 kg"}:
            assert fields["options"]["size"] in ("250 g", "500 g") and variant["price"] > main["price"]
            assert variant["attributes"]["weight"] == "1 kg"
        else:
            assert fields["options"] == {"grind": "whole bean"} and variant["price"] == main["price"]
    assert [row["productId"] for row in shop.variants.inventory] == [v["_id"] for v in variants]


def test_variants_leave_the_rest_of_the_demo_shop_as_it_was() -> None:
    """Their own random stream: the products, orders and reviews are what they were without them."""
    shop = sample_shop()
    assert len(shop.products) == 160 and len(shop.inventory) == 160
    assert all("variantOf" not in p and "sku" not in p for p in shop.products)
    slugs = {p["slug"] for p in shop.products}
    assert not slugs & {v["slug"] for v in shop.variants.documents}


def test_the_catalog_reads_the_demo_families(db: Database) -> None:
    shop = build_demo_shop(n_products=40, now=NOW, months=1)
    docs = [{**p, **shop.variants.mains.get(p["slug"], {})} for p in shop.products] + shop.variants.documents
    db.products.insert_many([_to_bson(d) for d in docs])
    catalog = Catalog(db, refresh_seconds=0)
    assert len(catalog.all()) == 44 and len(catalog.listed()) == 40
    kilo = next(v for v in shop.variants.documents if v["options"] == {"size": "1 kg"})
    family = catalog.family(catalog.get(str(kilo["_id"])))  # type: ignore[arg-type]
    assert [p.option_label for p in family][-1] == "1 kg" and family[0].variant_of is None
    assert family[0].sku.startswith("DEMO-C") and family[-1].price == Decimal(kilo["price"])
