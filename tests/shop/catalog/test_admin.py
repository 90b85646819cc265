"""Product management against the real database: validation, stock bookkeeping, bulk changes, CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from demo.seed import demo_categories
from shop.catalog.admin import (
    CsvImportError,
    ProductAdmin,
    ProductInvalid,
    ProductListQuery,
    product_form_values,
    validate_product,
)
from shop.core.errors import Conflict, InvalidInput
from shop.services import ShopServices

# The test shop's categories (tests/conftest.py seeds the same into every test database).
CATEGORIES = demo_categories()

OWNER = "owner@example.com"


@pytest.fixture
def admin(services: ShopServices) -> ProductAdmin:
    return ProductAdmin(services.db, services.catalog, services.settings)


def valid(**overrides: Any) -> dict[str, Any]:
    values = {
        "name": "Guji Natural",
        "description": "A bright natural coffee. Blueberry and jasmine.",
        "category": "coffee",
        "price": "14.50",
        "stock": "12",
        "tags": "single origin, Natural, natural",
        "attributes": "origin: Ethiopia\nroast: light",
        "supplier": "Green Bean Co",
        "leadTimeDays": "9",
    }
    values.update(overrides)
    return values


def test_input_is_parsed_and_normalised() -> None:
    data = validate_product(valid(featured="on"), CATEGORIES)
    assert data.price == Decimal("14.50") and data.stock == 12 and data.featured is True
    assert data.tags == ["single origin", "natural"]
    assert data.attributes == {"origin": "Ethiopia", "roast": "light"}
    assert data.resolved_slug() == "guji-natural"
    assert (
        validate_product(valid(price="$9", name="Crème Brûlée Tea #2"), CATEGORIES).fields()["slug"]
        == "creme-brulee-tea-2"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "is required"),
        ("name", "$where", 'must not start with "$"'),
        ("description", "$gt", 'must not start with "$"'),
        ("supplier", "$ne", 'must not start with "$"'),
        ("tags", "ok, $bad", 'must not start with "$"'),
        ("price", "0", "must be at least 0.01"),
        ("price", "12.505", "at most 2 decimals"),
        ("price", "cheap", "must be a number"),
        ("price", "100000.01", "at most"),
        ("stock", "-1", "at least 0"),
        ("stock", "1.5", "whole number"),
        ("category", "wine", "must be one of"),
        ("slug", "Not A Slug", "lowercase letters"),
        ("attributes", "no colon here", "key: value"),
        ("attributes", "$set: x", "not a valid attribute name"),
        ("attributes", "a.b: x", "not a valid attribute name"),
        ("imageUrl", "javascript:alert(1)", "must be an uploaded image"),
        ("leadTimeDays", "400", "at most 365"),
    ],
)
def test_invalid_input_is_explained_per_field(field: str, value: str, message: str) -> None:
    with pytest.raises(ProductInvalid) as caught:
        validate_product(valid(**{field: value}), CATEGORIES)
    assert field in caught.value.errors
    assert message in caught.value.errors[field]


def test_create_writes_product_inventory_and_log_and_reaches_the_catalog(
    admin: ProductAdmin, services: ShopServices
) -> None:
    services.catalog.all()  # a warm snapshot must still see the new product at once
    doc = admin.create(validate_product(valid(), CATEGORIES), owner=OWNER)
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
        admin.create(validate_product(valid(), CATEGORIES), owner=OWNER)


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


CSV_HEADER = "slug,name,category,price,stock,description\r\n"


def test_csv_round_trip_changes_nothing(admin: ProductAdmin, product_factory: Any) -> None:
    product_factory(name="Formula =1+1", description="-starts like a formula. Second sentence.", tags=["a", "b"])
    product_factory(name="Plain", attributes={"origin": "Peru", "notes": "cocoa, nuts"})
    exported = admin.export_csv()
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0][:3] == ["id", "slug", "name"]
    assert "'-starts like a formula. Second sentence." in exported  # a spreadsheet will not run it
    result = admin.import_csv(exported.encode(), owner=OWNER)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_csv_creates_and_updates_in_one_go(admin: ProductAdmin, services: ShopServices, product_factory: Any) -> None:
    existing = product_factory(slug="house-blend", name="House Blend", price=Decimal("9.00"), stock=7)
    data = (
        CSV_HEADER
        + "house-blend,House Blend,coffee,9.50,,Our daily blend. Chocolate and nuts.\r\n"
        + 'new-tea,New Tea,tea,6.00,20,"A new tea.\nWith a second line."\r\n'
    )
    result = admin.import_csv(data.encode(), owner=OWNER)
    assert (result.created, result.updated) == (1, 1)
    updated = services.db.products.find_one({"_id": existing["_id"]})
    assert updated["price"] == Decimal("9.50") and updated["stock"] == 7  # empty stock cell keeps stock
    created = services.db.products.find_one({"slug": "new-tea"})
    assert created["stock"] == 20 and created["description"] == "A new tea.\nWith a second line."
    assert services.db.inventory.find_one({"productId": created["_id"]})["stockLevel"] == 20
    assert services.db.activity_log.count_documents({"action": "product.import"}) == 2
    # A file with only the columns to change: prices by slug.
    admin.import_csv(b"slug,price\nnew-tea,6.50\n", owner=OWNER)
    assert services.db.products.find_one({"slug": "new-tea"})["price"] == Decimal("6.50")


def test_csv_errors_name_their_lines_and_nothing_is_imported(admin: ProductAdmin, services: ShopServices) -> None:
    data = (
        CSV_HEADER
        + "good-one,Good One,coffee,5.00,1,Fine. Really.\r\n"
        + 'two-lines,Two Lines,tea,5.00,1,"First line\nsecond line"\r\n'
        + "bad-price,Bad Price,coffee,abc,1,Text here.\r\n"
        + "bad-cat,Bad Category,wine,5.00,1,Text here.\r\n"
        + "good-one,Duplicate,coffee,5.00,1,Text here.\r\n"
        + "short,row\r\n"
        + "evil,$where,coffee,5.00,1,Text.\r\n"
    )
    with pytest.raises(CsvImportError) as caught:
        admin.import_csv(data.encode(), owner=OWNER)
    problems = {error.line: error.message for error in caught.value.errors}
    assert sorted(problems) == [5, 6, 7, 8, 9]  # the quoted two-line row takes lines 3-4
    assert "price" in problems[5] and "category" in problems[6]
    assert "also on line 2" in problems[7] and "cells" in problems[8] and '"$"' in problems[9]
    assert services.db.products.count_documents({}) == 0
    assert services.db.activity_log.count_documents({}) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"slug,name,colour\n", "unknown column 'colour'"),
        (b"slug,price\n", "no products"),
        (b"slug,price\nx,\xff\xfe\n", "not UTF-8"),
        (b"id,price\nnot-an-id,1.00\n", "not a product id"),
        (b"id,price\n5f0000000000000000000000,1.00\n", "no product has the id"),
    ],
)
def test_csv_file_level_problems(admin: ProductAdmin, data: bytes, message: str) -> None:
    with pytest.raises(CsvImportError) as caught:
        admin.import_csv(data, owner=OWNER)
    assert message in caught.value.message


def test_csv_stock_column_sets_stock_and_inventory(
    admin: ProductAdmin, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(slug="beans", stock=3)
    admin.import_csv(b"slug,stock\nbeans,40\n", owner=OWNER)
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 40
    assert services.db.inventory.find_one({"productId": product["_id"]})["stockLevel"] == 40
