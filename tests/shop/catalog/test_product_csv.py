"""Products as a CSV file against the real database: round trip, create and update, errors by line."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from shop.catalog.admin import ProductAdmin
from shop.catalog.product_csv import CsvImportError
from shop.services import ShopServices

OWNER = "owner@example.com"


@pytest.fixture
def admin(services: ShopServices) -> ProductAdmin:
    return services.product_admin


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


def test_csv_text_the_database_cannot_store_is_refused_by_line(admin: ProductAdmin, services: ShopServices) -> None:
    nul = CSV_HEADER + "nul-tea,Nul\x00 Tea,tea,5.00,1,Text here.\r\n"
    with pytest.raises(CsvImportError) as caught:
        admin.import_csv(nul.encode(), owner=OWNER)
    assert [(error.line, "cannot be saved" in error.message) for error in caught.value.errors] == [(2, True)]
    surrogate = CSV_HEADER.encode() + b"bad-tea,Bad \xed\xa0\x80 Tea,tea,5.00,1,Text.\r\n"  # UTF-8 of "\ud800"
    with pytest.raises(CsvImportError, match="Line 2: the file is not UTF-8 text"):
        admin.import_csv(surrogate, owner=OWNER)
    assert services.db.products.count_documents({}) == 0
