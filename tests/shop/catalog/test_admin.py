"""Product management against the real database: create, edit, stock bookkeeping, delete, list, bulk changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from demo.seed import demo_categories
from shop.catalog.admin import ProductAdmin, ProductListQuery
from shop.catalog.product_input import product_form_values, validate_product
from shop.core.errors import Conflict, InvalidInput
from shop.services import ShopServices
from tests.support.products import product_form

# The test shop's categories (the fixtures seed the same into every test database).
CATEGORIES = demo_categories()

OWNER = "owner@example.com"


@pytest.fixture
def admin(services: ShopServices) -> ProductAdmin:
    return services.product_admin


def test_create_writes_product_inventory_and_log_and_reaches_the_catalog(
    admin: ProductAdmin, services: ShopServices
) -> None:
    services.catalog.all()  # a warm snapshot must still see the new product at once
    doc = admin.create(validate_product(product_form(), CATEGORIES), owner=OWNER)
    stored = services.db.products.find_one({"_id": doc["_id"]})
    assert stored["price"] == Decimal("14.50") and stored["deletedAt"] is None and stored["rating"] == 0.0
    assert stored["imageUrl"].startswith("/media/products/guji-natural-") and stored["imageUrl"].endswith(".svg")
    inventory = services.db.inventory.find_one({"productId": doc["_id"]})
    assert inventory["stockLevel"] == 12 and inventory["lastRestocked"] is not None
    entry = services.db.activity_log.find_one({"action": "product.create"})
    assert entry["owner"] == OWNER and entry["entityId"] == str(doc["_id"]) and entry["after"]["name"] == "Guji Natural"
    assert services.catalog.by_slug("guji-natural") is not None


def test_slugs_are_unique_even_against_deleted_products(admin: ProductAdmin, product_factory: Any) -> None:
    product_factory(slug="guji-natural", deletedAt=None)
    with pytest.raises(InvalidInput, match="already used"):
        admin.create(validate_product(product_form(), CATEGORIES), owner=OWNER)


def test_update_logs_only_what_changed(admin: ProductAdmin, services: ShopServices, product_factory: Any) -> None:
    product = product_factory(price=Decimal("10.00"), stock=10)
    pid = str(product["_id"])
    data = validate_product(product_form_values(admin.get(pid)) | {"price": "12.00"}, CATEGORIES)
    after = admin.update(pid, data, owner=OWNER, stock_seen=10)
    assert after["price"] == Decimal("12.00") and after["updatedAt"] > product["updatedAt"]
    entry = services.db.activity_log.find_one({"action": "product.update"})
    assert entry["before"] == {"price": Decimal("10.00")} and entry["after"] == {"price": Decimal("12.00")}
    assert services.catalog.get(pid).price == Decimal("12.00")


def test_stock_edit_is_a_difference_so_sales_made_meanwhile_stay_sold(
    admin: ProductAdmin, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(stock=10)
    pid = str(product["_id"])
    # The owner opens the form at 10; two units sell; the owner saves 15 (+5).
    services.db.products.update_one({"_id": product["_id"]}, {"$inc": {"stock": -2}})
    base = {k: product[k] for k in ("name", "slug", "description", "category", "price")}
    admin.update(pid, validate_product(base | {"stock": 15}, CATEGORIES), owner=OWNER, stock_seen=10)
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 13
    inventory = services.db.inventory.find_one({"productId": product["_id"]})
    assert inventory["stockLevel"] == 13 and inventory["lastRestocked"] > product["createdAt"]
    # A decrease below what is left is refused, and nothing changes.
    with pytest.raises(Conflict):
        admin.update(pid, validate_product(base | {"stock": 0}, CATEGORIES), owner=OWNER, stock_seen=20)
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 13


def test_delete_and_restore_are_soft(admin: ProductAdmin, services: ShopServices, product_factory: Any) -> None:
    product = product_factory()
    pid = str(product["_id"])
    admin.delete(pid, owner=OWNER)
    assert services.catalog.get(pid) is None and services.catalog.get_any(pid) is not None
    assert services.db.products.find_one({"_id": product["_id"]})["deletedAt"] is not None
    assert [p.id for p in admin.list(ProductListQuery(status="deleted")).items] == [pid]
    admin.restore(pid, owner=OWNER)
    assert services.catalog.get(pid) is not None
    actions = [e["action"] for e in services.db.activity_log.find({"entityId": pid}).sort("at", 1)]
    assert actions == ["product.delete", "product.restore"]


def test_list_filters_and_sorts(admin: ProductAdmin, product_factory: Any) -> None:
    product_factory(name="Kenya AA", stock=0, price=Decimal("20.00"), supplier="Nairobi Traders")
    product_factory(name="Assam Gold", category="tea", stock=3, price=Decimal("8.00"))
    product_factory(name="Darjeeling", category="tea", stock=50, price=Decimal("15.00"), featured=True)
    names = lambda **q: [p.name for p in admin.list(ProductListQuery(**q)).items]  # noqa: E731
    assert names(category="tea") == ["Assam Gold", "Darjeeling"]
    assert names(stock="out") == ["Kenya AA"]
    assert names(stock="low") == ["Assam Gold"]
    assert names(q="nairobi") == ["Kenya AA"]
    assert names(featured="yes") == ["Darjeeling"]
    assert names(sort="price_desc") == ["Kenya AA", "Darjeeling", "Assam Gold"]
    page = admin.list(ProductListQuery(page_size=2, page=2))
    assert page.total == 3 and page.pages == 2 and len(page.items) == 1


def test_bulk_price_by_percent_and_amount(admin: ProductAdmin, services: ShopServices, product_factory: Any) -> None:
    a = product_factory(price=Decimal("10.00"))
    b = product_factory(price=Decimal("3.33"))
    ids = [str(a["_id"]), str(b["_id"])]
    assert admin.bulk_price(ids, mode="percent", value=Decimal("10"), owner=OWNER) == 2
    prices = lambda: [services.db.products.find_one({"_id": p["_id"]})["price"] for p in (a, b)]  # noqa: E731
    assert prices() == [Decimal("11.00"), Decimal("3.66")]
    admin.bulk_price(ids, mode="amount", value=Decimal("-1.50"), owner=OWNER)
    assert prices() == [Decimal("9.50"), Decimal("2.16")]
    assert services.db.activity_log.count_documents({"action": "product.bulk_price"}) == 4
    # One product would drop below a cent: none changes.
    with pytest.raises(InvalidInput, match="no price was changed"):
        admin.bulk_price(ids, mode="amount", value=Decimal("-3"), owner=OWNER)
    assert prices() == [Decimal("9.50"), Decimal("2.16")]


def test_bulk_category_and_stock(admin: ProductAdmin, services: ShopServices, product_factory: Any) -> None:
    a = product_factory(stock=5)
    b = product_factory(stock=1)
    ids = [str(a["_id"]), str(b["_id"])]
    admin.bulk_category(ids, category="tea", owner=OWNER)
    assert {p.category for p in services.catalog.all()} == {"tea"}
    admin.bulk_stock(ids, delta=4, owner=OWNER)
    stocks = lambda: [services.db.products.find_one({"_id": p["_id"]})["stock"] for p in (a, b)]  # noqa: E731
    levels = lambda: [services.db.inventory.find_one({"productId": p["_id"]})["stockLevel"] for p in (a, b)]  # noqa: E731
    assert stocks() == [9, 5] and levels() == [9, 5]
    with pytest.raises(InvalidInput, match="no stock was changed"):
        admin.bulk_stock(ids, delta=-6, owner=OWNER)
    assert stocks() == [9, 5] and levels() == [9, 5]
    with pytest.raises(InvalidInput):
        admin.bulk_category(ids, category="wine", owner=OWNER)
