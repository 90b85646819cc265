"""Admin inventory, purchase orders and analytics pages, through HTTP as the owner sees them."""

from __future__ import annotations

import csv
import io
import itertools
import re
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from bson import ObjectId
from fastapi.testclient import TestClient
from pymongo.database import Database

from shop.backoffice.jobs import job_info
from shop.inventory.forecasting.stored_forecasts import refresh_inventory_forecasts
from shop.services import ShopServices

_numbers = itertools.count()


def sell_daily(db: Database, product: dict[str, Any], units: int, days: int) -> None:
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    docs = []
    for back in range(1, days + 1):
        at = today - timedelta(days=back)
        docs.append(
            {
                "_id": f"ORD-I{next(_numbers):07d}",
                "customerName": "Ada",
                "email": "ada@example.com",
                "address": "1 Engine Row",
                "products": [
                    {
                        "productId": product["_id"],
                        "name": product["name"],
                        "quantity": units,
                        "unitPrice": product["price"],
                    }
                ],
                "totalAmount": product["price"] * units,
                "status": "completed",
                "createdAt": at,
                "updatedAt": at,
            }
        )
    db.orders.insert_many(docs)


@pytest.fixture
def stocked(services: ShopServices, product_factory: Any) -> dict[str, Any]:
    """Two sellers with a forecast: one about to run out, one with plenty."""
    short = product_factory(
        name="Espresso Beans", stock=12, price=Decimal("12.50"), supplier="Montaña Café Co.", leadTimeDays=7
    )
    plenty = product_factory(name="Sencha", category="tea", stock=900, price=Decimal("4.99"), supplier="Leafy Ltd")
    sell_daily(services.db, short, 5, 60)
    sell_daily(services.db, plenty, 2, 60)
    refresh_inventory_forecasts(services.db)
    return {"short": short, "plenty": plenty}


# --- access -------------------------------------------------------------------------------------
# tests/app/admin/test_access.py sweeps every /admin route of the app (these included): anonymous
# visitors, customer sessions and writes without the CSRF token are all refused. Here: a refused
# write changes nothing.


def test_writes_need_the_csrf_token(owner_client: TestClient, stocked: dict[str, Any], services: ShopServices) -> None:
    pid = stocked["short"]["_id"]
    refused = owner_client.post(f"/admin/inventory/{pid}/threshold", data={"lowStockThreshold": "9"})
    assert refused.status_code == 403
    assert "lowStockThreshold" not in services.db.products.find_one({"_id": pid})
    assert owner_client.post("/admin/inventory/purchase-order.csv", data={f"qty_{pid}": "3"}).status_code == 403


# --- inventory ----------------------------------------------------------------------------------


def test_dashboard_lists_stock_cover_and_advice(owner_client: TestClient, stocked: dict[str, Any]) -> None:
    page = owner_client.get("/admin/inventory")
    assert page.status_code == 200
    html = page.text
    assert "Espresso Beans" in html and "Sencha" in html
    assert "Reorder now" in html
    assert "last run" in html  # the forecast job's last run, from the jobs collection
    assert html.index("Espresso Beans") < html.index("Sencha")  # most urgent first
    assert 'hx-post="/admin/inventory/' in html and 'name="csrf_token"' in html

    filtered = owner_client.get(
        "/admin/inventory?status=reorder&q=beans", headers={"HX-Request": "true", "HX-Target": "inventory-results"}
    )
    assert filtered.status_code == 200
    assert filtered.text.lstrip().startswith('<div id="inventory-results"')
    assert "Espresso Beans" in filtered.text and "Sencha" not in filtered.text


def test_product_page_has_an_accessible_chart(owner_client: TestClient, stocked: dict[str, Any]) -> None:
    page = owner_client.get(f"/admin/inventory/{stocked['short']['_id']}")
    assert page.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart--forecast"' in page.text
    assert 'role="img"' in page.text and "<title id=" in page.text and "<desc id=" in page.text
    assert "Sold per day" in page.text and "80% interval" in page.text
    assert "The forecast as numbers, by week" in page.text
    assert owner_client.get(f"/admin/inventory/{ObjectId()}").status_code == 404
    assert owner_client.get("/admin/inventory/not-an-id").status_code == 404


def test_threshold_edit_inline_and_by_form(
    owner_client: TestClient, stocked: dict[str, Any], services: ShopServices
) -> None:
    pid = stocked["plenty"]["_id"]
    token = owner_client.csrf  # type: ignore[attr-defined]

    row = owner_client.post(
        f"/admin/inventory/{pid}/threshold",
        data={"lowStockThreshold": "1000", "csrf_token": token, "return_to": "/admin/inventory"},
        headers={"HX-Request": "true"},
    )
    assert row.status_code == 200
    assert row.text.lstrip().startswith(f'<tr id="inventory-{pid}"')
    assert "Low stock" in row.text  # 900 <= 1000
    assert services.db.products.find_one({"_id": pid})["lowStockThreshold"] == 1000
    entry = services.db.activity_log.find_one({"action": "inventory.threshold"})
    assert entry["before"] == {"lowStockThreshold": None} and entry["after"] == {"lowStockThreshold": 1000}

    cleared = owner_client.post(
        f"/admin/inventory/{pid}/threshold",
        data={"lowStockThreshold": "", "csrf_token": token, "return_to": "/admin/inventory?status=low"},
        follow_redirects=False,
    )
    assert cleared.status_code == 303
    assert cleared.headers["location"] == "/admin/inventory?status=low&notice=threshold"
    assert "lowStockThreshold" not in services.db.products.find_one({"_id": pid})

    bad = owner_client.post(f"/admin/inventory/{pid}/threshold", data={"lowStockThreshold": "-4", "csrf_token": token})
    assert bad.status_code == 422 and "between 0 and" in bad.text
    bad_htmx = owner_client.post(
        f"/admin/inventory/{pid}/threshold",
        data={"lowStockThreshold": "lots", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert bad_htmx.status_code == 422 and "whole number" in bad_htmx.text


def test_run_forecast_now(owner_client: TestClient, services: ShopServices, product_factory: Any) -> None:
    product_factory()
    response = owner_client.post(
        "/admin/inventory/forecast",
        data={"csrf_token": owner_client.csrf},
        follow_redirects=False,  # type: ignore[attr-defined]
    )
    assert response.status_code == 303 and response.headers["location"] == "/admin/inventory?notice=forecast"
    assert services.db.activity_log.find_one({"action": "forecast.run"}) is not None
    deadline = time.monotonic() + 60  # the job runs in the background; let it finish before cleanup
    while time.monotonic() < deadline and not job_info(services.db, "forecast").last_run_at:
        time.sleep(0.1)
    assert job_info(services.db, "forecast").status == "ok"
    assert "last run" in owner_client.get("/admin/inventory").text


# --- purchase orders ----------------------------------------------------------------------------


def test_purchase_order_draft_and_csv(
    owner_client: TestClient, stocked: dict[str, Any], services: ShopServices
) -> None:
    short, plenty = stocked["short"], stocked["plenty"]
    draft = owner_client.get("/admin/inventory/purchase-order")
    assert draft.status_code == 200
    assert "Montaña Café Co." in draft.text and "Espresso Beans" in draft.text
    assert "Sencha" not in draft.text  # nothing to reorder there
    suggested = re.search(rf'name="qty_{short["_id"]}"[^>]*value="(\d+)"', draft.text)
    assert suggested and int(suggested.group(1)) > 0
    assert "Sencha" in owner_client.get("/admin/inventory/purchase-order?all=1").text

    token = owner_client.csrf  # type: ignore[attr-defined]
    download = owner_client.post(
        "/admin/inventory/purchase-order.csv",
        data={"csrf_token": token, f"qty_{short['_id']}": "40", f"qty_{plenty['_id']}": "10"},
    )
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    today = datetime.now(UTC).date()
    assert download.headers["content-disposition"] == f'attachment; filename="purchase-orders-{today:%Y%m%d}.csv"'
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [(r["supplier"], r["product"], r["quantity"]) for r in rows] == [
        ("Leafy Ltd", "Sencha", "10"),
        ("Montaña Café Co.", "Espresso Beans", "40"),
    ]
    assert rows[1]["po_reference"] == f"PO-{today:%Y%m%d}-MONTANA-CAFE-CO"
    assert rows[1]["expected_by"] == (today + timedelta(days=7)).isoformat()
    assert services.db.activity_log.count_documents({"action": "purchase_order.export"}) == 2

    one = owner_client.post(
        "/admin/inventory/purchase-order.csv",
        data={"csrf_token": token, f"qty_{short['_id']}": "40", f"qty_{plenty['_id']}": "10", "supplier": "Leafy Ltd"},
    )
    assert [r["product"] for r in csv.DictReader(io.StringIO(one.text))] == ["Sencha"]
    assert f"PO-{today:%Y%m%d}-LEAFY-LTD.csv" in one.headers["content-disposition"]

    empty = owner_client.post(
        "/admin/inventory/purchase-order.csv", data={"csrf_token": token, f"qty_{short['_id']}": "0"}
    )
    assert empty.status_code == 422 and "at least one product" in empty.text


# --- analytics ----------------------------------------------------------------------------------


def test_analytics_page_and_exports(owner_client: TestClient, stocked: dict[str, Any]) -> None:
    page = owner_client.get("/admin/analytics?preset=7d")
    assert page.status_code == 200
    # The last 7 days include today (no sales yet) and 6 whole days of 5 x 12.50 + 2 x 4.99.
    assert "$434.88" in page.text  # 6 x (62.50 + 9.98)
    assert "<strong>12</strong> orders" in page.text
    assert 'class="chart chart--bars"' in page.text and "Revenue by category" in page.text
    assert "Espresso Beans" in page.text

    series = owner_client.get("/admin/analytics/export.csv?report=series&preset=7d")
    assert series.status_code == 200 and series.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(series.text)))
    assert rows[-1]["period"] == "total" and rows[-1]["revenue"] == "434.88" and rows[-1]["orders"] == "12"
    categories = list(
        csv.DictReader(io.StringIO(owner_client.get("/admin/analytics/export.csv?report=categories&preset=7d").text))
    )
    assert {r["category"]: r["revenue"] for r in categories}["coffee"] == "375.00"

    custom = owner_client.get("/admin/analytics?start=2025-06-10&end=2025-06-01")
    assert custom.status_code == 422 and "before the start date" in custom.text
    assert owner_client.get("/admin/analytics/export.csv?report=nope").status_code == 422
