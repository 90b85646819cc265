"""Purchase-order drafts and the supplier's CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from shop.core.errors import InvalidInput
from shop.core.settings import Settings
from shop.inventory.purchase_orders import (
    CSV_COLUMNS,
    build_purchase_orders,
    csv_filename,
    draft_lines,
    parse_quantities,
    purchase_orders_csv,
    supplier_key,
)

TODAY = date(2025, 6, 2)


def forecast_row(db: Database, product: dict[str, Any], *, reorder_point: float, order_up_to: float) -> None:
    db.inventory.update_one(
        {"productId": product["_id"]},
        {
            "$set": {
                "predictedDemand": {
                    "d7": 7.0,
                    "d30": 30.0,
                    "reorderPoint": reorder_point,
                    "orderUpTo": order_up_to,
                    "safetyStock": 2.0,
                    "at": datetime.now(UTC),
                }
            }
        },
    )


def test_csv_content(db: Database, product_factory: Any) -> None:
    beans = product_factory(
        name="Espresso Beans", slug="espresso-beans", sku="ESP-1000", supplier="Montaña Café Co.", leadTimeDays=10
    )  # the owner's SKU is the supplier's code; without one (decaf, sencha) the slug stands in
    decaf = product_factory(name="Decaf", slug="decaf", sku="=DECAF", supplier="Montaña Café Co.", leadTimeDays=10)
    tea = product_factory(name="=Sencha", slug="sencha", supplier="Leafy Ltd", leadTimeDays=5)

    orders = build_purchase_orders(db, {str(beans["_id"]): 24, str(tea["_id"]): 6, str(decaf["_id"]): 12}, today=TODAY)

    assert [(o.reference, o.supplier, o.units) for o in orders] == [
        ("PO-20250602-LEAFY-LTD", "Leafy Ltd", 6),
        ("PO-20250602-MONTANA-CAFE-CO", "Montaña Café Co.", 36),
    ]
    rows = list(csv.reader(io.StringIO(purchase_orders_csv(orders))))
    assert rows[0] == CSV_COLUMNS
    assert rows[1:] == [
        ["PO-20250602-LEAFY-LTD", "Leafy Ltd", "sencha", "'=Sencha", "6", "5", "2025-06-07", str(tea["_id"])],
        [
            "PO-20250602-MONTANA-CAFE-CO",
            "Montaña Café Co.",
            "'=DECAF",  # typed by the owner: never a formula in the supplier's spreadsheet
            "Decaf",
            "12",
            "10",
            "2025-06-12",
            str(decaf["_id"]),
        ],
        [
            "PO-20250602-MONTANA-CAFE-CO",
            "Montaña Café Co.",
            "ESP-1000",
            "Espresso Beans",
            "24",
            "10",
            "2025-06-12",
            str(beans["_id"]),
        ],
    ]
    assert csv_filename(orders, TODAY) == "purchase-orders-20250602.csv"


def test_one_supplier_only(db: Database, product_factory: Any) -> None:
    a = product_factory(supplier="Leafy Ltd")
    b = product_factory(supplier="Bees")
    orders = build_purchase_orders(db, {str(a["_id"]): 1, str(b["_id"]): 2}, supplier="Bees", today=TODAY)
    assert [o.supplier for o in orders] == ["Bees"]
    assert csv_filename(orders, TODAY) == "PO-20250602-BEES.csv"


def test_facts_come_from_the_database_not_the_form(db: Database, product_factory: Any) -> None:
    gone = product_factory(deletedAt=datetime.now(UTC))
    with pytest.raises(InvalidInput, match="no longer exist"):
        build_purchase_orders(db, {str(gone["_id"]): 3})
    with pytest.raises(InvalidInput, match="no longer exist"):
        build_purchase_orders(db, {str(ObjectId()): 3})


def test_quantities_from_the_form() -> None:
    a, b, c = (str(ObjectId()) for _ in range(3))
    assert parse_quantities({a: "12", b: "", c: "0"}) == {a: 12}
    with pytest.raises(InvalidInput):
        parse_quantities({a: "-3"})
    with pytest.raises(InvalidInput):
        parse_quantities({a: "1.5"})
    with pytest.raises(InvalidInput):
        parse_quantities({"not-an-id": "1"})


def test_draft_preselects_what_needs_reordering(db: Database, settings: Settings, product_factory: Any) -> None:
    short = product_factory(name="Short", stock=10, supplier="B Supplier")
    fine = product_factory(name="Fine", stock=500, supplier="A Supplier")
    low = product_factory(name="Low", stock=3, supplier="A Supplier")
    forecast_row(db, short, reorder_point=20, order_up_to=55.5)
    forecast_row(db, fine, reorder_point=20, order_up_to=55)
    forecast_row(db, low, reorder_point=1, order_up_to=2)

    lines = draft_lines(db, settings)

    assert [(ln.row.name, ln.suggested, ln.selected) for ln in lines] == [
        ("Low", 0, False),  # low stock (3 <= 5) but no reorder advised: listed, not pre-selected
        ("Short", 46, True),  # up to 55.5 from 10, rounded up
    ]
    assert {ln.row.name for ln in draft_lines(db, settings, include_all=True)} == {"Short", "Fine", "Low"}


def test_supplier_key() -> None:
    assert supplier_key("Montaña Café Co.") == "MONTANA-CAFE-CO"
    assert supplier_key("***") == "SUPPLIER"
