"""Variants in the owner's hands (issue 14), against the real database: the input's rules, creating a
variant from its main product, editing it, SKUs, and deleting or restoring a family."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from demo.seed import demo_categories
from shop.catalog.admin import ProductAdmin
from shop.catalog.product_csv import CsvImportError
from shop.catalog.product_input import format_options, parse_options, product_form_values, validate_product
from shop.core.errors import Conflict, InvalidFields, InvalidInput
from shop.services import ShopServices
from tests.support.products import product_form

CATEGORIES = demo_categories()
OWNER = "owner@example.com"


@pytest.fixture
def admin(services: ShopServices) -> ProductAdmin:
    return services.product_admin


@pytest.fixture
def main(product_factory: Any) -> dict[str, Any]:
    return product_factory(
        name="House Espresso Roast",
        slug="house-espresso-roast",
        price=Decimal("14.95"),
        stock=30,
        options={"size": "250 g"},
        sku="HER-250",
        tags=["espresso"],
        weightGrams=250,
    )


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"sku": "has space"}, "sku", "letters, digits"),
        ({"sku": "-lead"}, "sku", "letters, digits"),
        ({"sku": "x" * 65}, "sku", "letters, digits"),
        ({"options": "size 1 kg"}, "options", "name=value"),
        ({"options": "a=1; b=2; c=3; d=4"}, "options", "at most 3"),
        ({"options": "1size=1 kg"}, "options", "not a valid option name"),
        ({"options": "size="}, "options", "1 to 40"),
        ({"options": "size=" + "x" * 41}, "options", "1 to 40"),
        ({"options": "size=1; size=2"}, "options", "given twice"),
        ({"variantOf": "not-an-id"}, "variantOf", "main product"),
    ],
)
def test_input_refuses_bad_sku_options_and_variant_of_next_to_the_field(
    values: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(InvalidFields) as exc:
        validate_product(product_form(**values), CATEGORIES)
    assert message in exc.value.errors[field]


def test_options_read_back_what_they_write() -> None:
    options = parse_options(" size = 1 kg ;grind=ground\n")
    assert options == {"size": "1 kg", "grind": "ground"}
    assert parse_options(format_options(options)) == options
    data = validate_product(product_form(sku="GN-1", options="size=1 kg"), CATEGORIES)
    assert data.fields()["sku"] == "GN-1" and data.fields()["options"] == {"size": "1 kg"}
    # Not given: not set, so a form or a file without the columns keeps the stored values.
    assert "sku" not in validate_product(product_form(), CATEGORIES).fields()


def test_create_variant_copies_the_main_and_has_its_own_price_stock_and_sku(
    admin: ProductAdmin, services: ShopServices, main: dict[str, Any]
) -> None:
    doc = admin.create_variant(
        str(main["_id"]), options="size=1 kg", price="49.00", stock=7, sku="HER-1000", owner=OWNER
    )
    stored = services.db.products.find_one({"_id": doc["_id"]})
    assert stored["name"] == "House Espresso Roast (1 kg)" and stored["slug"] == "house-espresso-roast-1-kg"
    assert stored["variantOf"] == main["_id"] and stored["options"] == {"size": "1 kg"}
    assert stored["price"] == Decimal("49.00") and stored["stock"] == 7 and stored["sku"] == "HER-1000"
    assert stored["tags"] == ["espresso"] and stored["weightGrams"] == 250 and stored["category"] == "coffee"
    assert stored["imageUrl"] == main["imageUrl"] and stored["description"] == main["description"]
    assert services.db.inventory.find_one({"productId": doc["_id"]})["stockLevel"] == 7
    family = services.catalog.family(services.catalog.get(str(main["_id"])))
    assert [p.name for p in family] == ["House Espresso Roast", "House Espresso Roast (1 kg)"]
    assert services.db.activity_log.find_one({"action": "product.create_variant"})["after"]["sku"] == "HER-1000"


def test_variant_rules_one_level_unique_options_unique_sku(
    admin: ProductAdmin, services: ShopServices, main: dict[str, Any], product_factory: Any
) -> None:
    mid = str(main["_id"])
    variant = admin.create_variant(mid, options={"size": "1 kg"}, price="49.00", owner=OWNER)
    with pytest.raises(InvalidInput, match="a variant with these options exists") as same:
        admin.create_variant(mid, options={"size": "1 KG"}, price="50.00", owner=OWNER)
    assert same.value.field == "options"
    with pytest.raises(InvalidInput, match="a variant with these options exists"):
        admin.create_variant(mid, options={"size": "250 g"}, price="50.00", owner=OWNER)  # the main's own
    with pytest.raises(InvalidInput, match="itself a variant") as nested:
        admin.create_variant(str(variant["_id"]), options={"size": "2 kg"}, price="90.00", owner=OWNER)
    assert nested.value.field == "variantOf"
    with pytest.raises(InvalidInput, match="already used by House Espresso Roast") as taken:
        admin.create_variant(mid, options={"size": "2 kg"}, price="90.00", sku="HER-250", owner=OWNER)
    assert taken.value.field == "sku"
    with pytest.raises(InvalidInput, match="at least one option"):
        admin.create_variant(mid, options={}, price="90.00", owner=OWNER)
    with pytest.raises(InvalidFields):
        admin.create_variant(mid, options={"size": "2 kg"}, price="-1", owner=OWNER)
    # A deleted product's SKU is free again.
    other = product_factory(sku="OLD-1")
    admin.delete(str(other["_id"]), owner=OWNER)
    admin.create_variant(mid, options={"size": "2 kg"}, price="90.00", sku="OLD-1", owner=OWNER)
    assert services.db.products.count_documents({"variantOf": main["_id"]}) == 2


def test_editing_a_variant_renames_it_by_its_options_and_the_main_carries_its_name(
    admin: ProductAdmin, services: ShopServices, main: dict[str, Any]
) -> None:
    mid = str(main["_id"])
    variant = admin.create_variant(mid, options={"size": "1 kg"}, price="49.00", owner=OWNER)
    vid = str(variant["_id"])
    form = product_form_values(admin.get(vid)) | {"options": "size=1 kg; grind=ground", "sku": "HER-1G"}
    after = admin.update(vid, validate_product(form, CATEGORIES), owner=OWNER)
    assert (
        after["name"] == "House Espresso Roast (1 kg, ground)" and after["slug"] == "house-espresso-roast-1-kg-ground"
    )
    assert after["sku"] == "HER-1G" and after["variantOf"] == main["_id"]
    with pytest.raises(InvalidInput, match="a variant with these options exists"):
        form = product_form_values(admin.get(mid)) | {"options": "size=1 kg; grind=ground"}
        admin.update(mid, validate_product(form, CATEGORIES), owner=OWNER)
    form = product_form_values(admin.get(mid)) | {"name": "Espresso Blend", "slug": "espresso-blend"}
    admin.update(mid, validate_product(form, CATEGORIES), owner=OWNER)
    renamed = services.db.products.find_one({"_id": variant["_id"]})
    assert renamed["name"] == "Espresso Blend (1 kg, ground)" and renamed["slug"] == "espresso-blend-1-kg-ground"


def test_deleting_a_main_takes_its_variants_and_restoring_brings_them_back(
    admin: ProductAdmin, services: ShopServices, main: dict[str, Any]
) -> None:
    mid = str(main["_id"])
    kilo = admin.create_variant(mid, options={"size": "1 kg"}, price="49.00", owner=OWNER)
    half = admin.create_variant(mid, options={"size": "500 g"}, price="27.00", owner=OWNER)
    admin.delete(str(half["_id"]), owner=OWNER)  # deleted on its own: stays deleted
    admin.delete(mid, owner=OWNER)
    assert services.db.products.find_one({"_id": kilo["_id"]})["deletedAt"] is not None
    assert services.catalog.get(str(kilo["_id"])) is None
    admin.restore(mid, owner=OWNER)
    assert services.db.products.find_one({"_id": kilo["_id"]})["deletedAt"] is None
    assert services.db.products.find_one({"_id": half["_id"]})["deletedAt"] is not None
    # Deleting a variant deletes only it.
    admin.delete(str(kilo["_id"]), owner=OWNER)
    assert services.db.products.find_one({"_id": main["_id"]})["deletedAt"] is None
    assert [d["name"] for d in admin.variants(mid)] == ["House Espresso Roast (500 g)", "House Espresso Roast (1 kg)"]


# --- CSV --------------------------------------------------------------------------------------


def test_csv_carries_sku_variant_of_and_options_and_a_round_trip_changes_nothing(
    admin: ProductAdmin, main: dict[str, Any]
) -> None:
    admin.create_variant(str(main["_id"]), options="size=1 kg; grind=ground", price="49.00", sku="HER-1G", owner=OWNER)
    exported = admin.export_csv()
    rows = list(csv.DictReader(io.StringIO(exported)))
    kilo = next(row for row in rows if row["slug"] == "house-espresso-roast-1-kg-ground")
    assert kilo["sku"] == "HER-1G" and kilo["variant_of"] == str(main["_id"])
    assert kilo["options"] == "size=1 kg; grind=ground"
    assert next(row for row in rows if row["slug"] == "house-espresso-roast")["variant_of"] == ""
    result = admin.import_csv(exported.encode(), owner=OWNER)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_csv_creates_a_variant_named_after_its_main_and_refuses_family_mistakes_by_line(
    admin: ProductAdmin, services: ShopServices, main: dict[str, Any], product_factory: Any
) -> None:
    mid = str(main["_id"])
    header = "name,category,price,stock,description,sku,variant_of,options\r\n"
    good = f"x,coffee,49.00,5,Big bag. Two sentences.,HER-1000,{mid},size=1 kg\r\n"
    result = admin.import_csv((header + good).encode(), owner=OWNER)
    assert result.created == 1
    stored = services.db.products.find_one({"sku": "HER-1000"})
    assert stored["name"] == "House Espresso Roast (1 kg)" and stored["variantOf"] == main["_id"]
    assert stored["slug"] == "house-espresso-roast-1-kg" and stored["options"] == {"size": "1 kg"}
    nested = str(stored["_id"])
    bad = (
        header
        + f"a,coffee,9.00,1,Same size again. Two sentences.,,{mid},size=1 KG\r\n"
        + "b,coffee,9.00,1,A taken SKU. Two sentences.,HER-250,,\r\n"
        + f"c,coffee,9.00,1,A variant of a variant. Two.,,{nested},size=2 kg\r\n"
        + f"d,coffee,9.00,1,No options. Two sentences.,,{mid},\r\n"
        + f"e,coffee,9.00,1,Twice in the file. Two.,DUP-1,{mid},size=3 kg\r\n"
        + f"f,coffee,9.00,1,Twice in the file. Two.,DUP-1,{mid},size=4 kg\r\n"
        + "g,coffee,9.00,1,Bad options. Two sentences.,,,size\r\n"
    )
    with pytest.raises(CsvImportError) as exc:
        admin.import_csv(bad.encode(), owner=OWNER)
    messages = {error.line: error.message for error in exc.value.errors}
    assert "a variant with these options exists" in messages[2]
    assert "already used by House Espresso Roast" in messages[3]
    assert "itself a variant" in messages[4]
    assert "needs options" in messages[5]
    assert 6 not in messages and "already used by line 6" in messages[7]
    assert "name=value" in messages[8]
    assert services.db.products.count_documents({}) == 2  # nothing was imported


def test_csv_cannot_move_a_product_between_families(
    admin: ProductAdmin, main: dict[str, Any], product_factory: Any
) -> None:
    other = product_factory(slug="decaf", name="Decaf")
    data = f"id,variant_of,options\r\n{other['_id']},{main['_id']},size=1 kg\r\n"
    with pytest.raises(CsvImportError, match="variant_of cannot change"):
        admin.import_csv(data.encode(), owner=OWNER)


def test_a_product_comes_back_only_if_its_sku_is_still_free(
    admin: ProductAdmin, services: ShopServices, main: dict[str, Any], product_factory: Any
) -> None:
    mid = str(main["_id"])
    kilo = admin.create_variant(mid, options="size=1 kg", price="49.00", sku="HER-1000", owner=OWNER)
    admin.delete(str(kilo["_id"]), owner=OWNER)
    with pytest.raises(InvalidInput, match="a deleted variant has these options") as again:
        admin.create_variant(mid, options="size=1 kg", price="48.00", owner=OWNER)
    assert again.value.field == "options"
    product_factory(sku="HER-1000")
    with pytest.raises(Conflict, match="cannot be restored: the SKU 'HER-1000' is already used"):
        admin.restore(str(kilo["_id"]), owner=OWNER)
    admin.delete(mid, owner=OWNER)
    product_factory(sku="HER-250")
    with pytest.raises(Conflict, match="SKU 'HER-250' is already used"):
        admin.restore(mid, owner=OWNER)
    assert services.db.products.find_one({"_id": main["_id"]})["deletedAt"] is not None  # nothing came back


def test_a_main_product_cannot_become_a_variant_by_an_edit(
    admin: ProductAdmin, main: dict[str, Any], product_factory: Any
) -> None:
    other = product_factory()
    form = product_form_values(admin.get(str(other["_id"]))) | {"variantOf": str(main["_id"]), "options": "size=1 kg"}
    with pytest.raises(InvalidInput, match="cannot move"):
        admin.update(str(other["_id"]), validate_product(form, CATEGORIES), owner=OWNER)


def test_csv_renaming_a_main_product_renames_its_variants(
    admin: ProductAdmin, services: ShopServices, main: dict[str, Any]
) -> None:
    kilo = admin.create_variant(str(main["_id"]), options="size=1 kg", price="49.00", owner=OWNER)
    exported = admin.export_csv().replace("House Espresso Roast,", "Espresso Blend,", 1)
    exported = exported.replace(",house-espresso-roast,", ",espresso-blend,", 1)
    result = admin.import_csv(exported.encode(), owner=OWNER)
    assert (result.updated, result.unchanged) == (1, 1)
    renamed = services.db.products.find_one({"_id": kilo["_id"]})
    assert renamed["name"] == "Espresso Blend (1 kg)" and renamed["slug"] == "espresso-blend-1-kg"
