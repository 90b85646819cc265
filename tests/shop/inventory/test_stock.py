"""Inventory rows, thresholds and the low-stock email: once per crossing, whoever checks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from shop.core.errors import InvalidInput, NotFound
from shop.core.settings import Settings
from shop.inventory import stock as inventory
from shop.services import ShopServices


def set_stock(db: Database, product: dict[str, Any], stock: int) -> None:
    db.products.update_one({"_id": product["_id"]}, {"$set": {"stock": stock, "updatedAt": datetime.now(UTC)}})


def low_stock_emails(db: Database) -> list[dict[str, Any]]:
    return list(db.outbox.find({"kind": "low_stock"}).sort("createdAt", 1))


def check(services: ShopServices) -> inventory.LowStockReport:
    return inventory.check_low_stock(services.db, services.settings, services.mailer)


def test_one_email_per_crossing(services: ShopServices, product_factory: Any) -> None:
    db = services.db
    honey = product_factory(name="Acacia Honey", stock=10)  # shop default threshold: 5

    assert check(services).notified == []
    set_stock(db, honey, 4)  # crosses the threshold
    report = check(services)
    assert [item.name for item in report.notified] == ["Acacia Honey"]
    set_stock(db, honey, 3)  # still low: no second email
    assert check(services).notified == []
    assert check(services).notified == []
    set_stock(db, honey, 12)  # restocked: the alert re-arms, no email
    assert check(services).rearmed == 1
    set_stock(db, honey, 5)  # crosses again (at the threshold counts as low)
    assert [item.stock for item in check(services).notified] == [5]

    emails = low_stock_emails(db)
    assert len(emails) == 2
    assert emails[0]["to"] == [services.settings.owner_email]
    assert emails[0]["subject"] == "Low stock: Acacia Honey (4 left)"
    assert "Acacia Honey: 4 left (alert at 5)" in emails[0]["text"]
    assert f"/admin/inventory/{honey['_id']}" in emails[0]["html"]


def test_products_crossing_together_share_one_email(services: ShopServices, product_factory: Any) -> None:
    product_factory(name="Sencha", stock=1)
    product_factory(name="Matcha", stock=0)
    product_factory(name="Plenty", stock=100)

    report = check(services)

    assert sorted(item.name for item in report.notified) == ["Matcha", "Sencha"]
    emails = low_stock_emails(services.db)
    assert len(emails) == 1 and emails[0]["subject"] == "Low stock: 2 products need attention"


def test_product_threshold_overrides_the_default(services: ShopServices, product_factory: Any) -> None:
    beans = product_factory(name="Espresso Beans", stock=20, lowStockThreshold=25)
    product_factory(name="Cream", stock=4, lowStockThreshold=0)  # alert only when sold out

    report = check(services)

    assert [item.name for item in report.notified] == ["Espresso Beans"]
    assert report.notified[0].threshold == 25
    row = inventory.get_row(services.db, services.settings, beans["_id"])
    assert row.low and row.threshold == 25 and row.notified


def test_concurrent_checks_send_one_email(services: ShopServices, product_factory: Any) -> None:
    product_factory(name="Last Jar", stock=1)
    barrier = threading.Barrier(4)
    reports: list[inventory.LowStockReport] = []

    def worker() -> None:
        barrier.wait()
        reports.append(check(services))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(len(r.notified) for r in reports) == 1
    assert len(low_stock_emails(services.db)) == 1


def test_restock_alert_flag_honours_the_override(services: ShopServices, product_factory: Any) -> None:
    product = product_factory(stock=8, lowStockThreshold=10)
    check(services)
    assert services.db.inventory.find_one({"productId": product["_id"]})["restockAlert"] is True
    set_stock(services.db, product, 50)
    check(services)
    assert services.db.inventory.find_one({"productId": product["_id"]})["restockAlert"] is False


def test_rows_use_current_stock_with_the_stored_forecast(
    db: Database, settings: Settings, product_factory: Any
) -> None:
    product = product_factory(stock=40)
    db.inventory.update_one(
        {"productId": product["_id"]},
        {
            "$set": {
                "predictedDemand": {
                    "d7": 70.0,
                    "d30": 300.0,
                    "reorderPoint": 80.0,
                    "safetyStock": 10.0,
                    "orderUpTo": 220.0,
                    "suggestedQuantity": 100,  # computed when stock was 120
                    "model": "AutoETS(A,N,A)",
                    "sellerClass": "regular",
                    "at": datetime(2025, 6, 2, tzinfo=UTC),
                }
            }
        },
    )

    row = inventory.get_row(db, settings, str(product["_id"]))

    assert row.days_of_cover == pytest.approx(4.0)  # 40 units / 10 a day
    assert row.suggested_quantity == 180  # up to 220 from the CURRENT 40
    assert row.needs_reorder and not row.low
    summary = inventory.summarize([row])
    assert summary.reorder == 1 and summary.low == 0


def test_rows_without_a_forecast(db: Database, settings: Settings, product_factory: Any) -> None:
    product = product_factory(stock=3)
    row = inventory.get_row(db, settings, product["_id"])
    assert row.d30 is None and row.days_of_cover is None and row.suggested_quantity == 0
    assert row.low and not row.needs_reorder


def test_filters_and_sorting(db: Database, settings: Settings, product_factory: Any) -> None:
    product_factory(name="Beta", stock=2, category="tea", supplier="Leafy")
    product_factory(name="Alpha", stock=50, category="coffee")
    product_factory(name="Gamma", stock=0, category="tea", supplier="Leafy")
    rows = inventory.inventory_rows(db, settings)

    assert [r.name for r in inventory.filter_rows(rows)] == ["Gamma", "Beta", "Alpha"]
    assert [r.name for r in inventory.filter_rows(rows, status="low")] == ["Gamma", "Beta"]
    assert [r.name for r in inventory.filter_rows(rows, status="out")] == ["Gamma"]
    assert [r.name for r in inventory.filter_rows(rows, q="alp")] == ["Alpha"]
    assert [r.name for r in inventory.filter_rows(rows, supplier="Leafy", sort="name")] == ["Beta", "Gamma"]


def test_set_and_clear_a_threshold(db: Database, product_factory: Any) -> None:
    product = product_factory()
    assert inventory.set_low_stock_threshold(db, product["_id"], 12) == (None, 12)
    assert db.products.find_one({"_id": product["_id"]})["lowStockThreshold"] == 12
    assert inventory.set_low_stock_threshold(db, str(product["_id"]), None) == (12, None)
    assert "lowStockThreshold" not in db.products.find_one({"_id": product["_id"]})
    with pytest.raises(NotFound):
        inventory.set_low_stock_threshold(db, ObjectId(), 3)


@pytest.mark.parametrize("text", ["-1", "abc", "2.5", "100001"])
def test_bad_thresholds_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        inventory.parse_threshold(text)


def test_threshold_parsing() -> None:
    assert inventory.parse_threshold("") is None
    assert inventory.parse_threshold(" 7 ") == 7
    assert inventory.parse_threshold("0") == 0
