"""The same code runs a shop of another kind: a small bookshop with its own three categories.

Categories, their names and the words customers use for them are the shop's data (the `categories`
collection), so nothing here may depend on the demo's coffee, tea, food and beauty. The test shop
starts with the demo's categories (tests/fixtures.py); this one replaces them with a bookshop's, then
browses, filters, searches and orders through the HTTP app, and checks the back office speaks of books.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pymongo.database import Database

from shop.backoffice import analytics
from shop.catalog.admin import ProductAdmin
from shop.catalog.categories import load_categories, save_categories
from shop.catalog.product_input import validate_product
from shop.catalog.snapshot import CatalogQuery
from shop.core.errors import InvalidFields
from shop.core.settings import Settings
from shop.inventory.stock import inventory_rows
from shop.services import ShopServices
from tests.support.small_shop import load_products

BOOKSHOP = load_categories(Path(__file__).with_name("bookshop_categories.json"))
"""The bookshop's categories file, as an owner cloning the shop for books would write it."""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The bookshop's own name and tagline: the page frame (title, description, hero, footer, search
    hint) says what this shop sells, not what the demo shop sells."""
    return settings.model_copy(
        update={
            "shop_name": "Paper Lantern Books",
            "shop_tagline": "Novels, picture books and cookbooks, chosen by hand.",
        }
    )


@pytest.fixture
def books(db: Database, product_factory: Any) -> dict[str, dict[str, Any]]:
    db.categories.delete_many({})
    save_categories(db, BOOKSHOP)

    return {
        doc["slug"]: product_factory(**doc) for doc in load_products(Path(__file__).with_name("bookshop_books.json"))
    }


def names_in(html: str, books: dict[str, dict[str, Any]]) -> set[str]:
    return {doc["name"] for doc in books.values() if doc["name"].replace("'", "&#39;") in html}


def test_browse_filter_search_and_order_in_a_bookshop(
    client: TestClient, services: ShopServices, books: dict[str, dict[str, Any]]
) -> None:
    # Browse: the navigation and the home page's tiles are the bookshop's shelves, nothing else.
    home = client.get("/")
    assert home.status_code == 200
    for slug in ("fiction", "children", "cookbooks"):
        assert f'href="/products?category={slug}"' in home.text
    assert "Children&#39;s Books" in home.text and "Recipes for every kitchen." in home.text
    assert "category=coffee" not in home.text and "Pantry &amp; Treats" not in home.text

    shelf = client.get("/products", params={"category": "cookbooks"})
    assert shelf.status_code == 200
    assert names_in(shelf.text, books) == {"The Sourdough Year", "Weeknight Noodles"}
    assert "<title>Cookbooks" in shelf.text

    product = client.get("/products/fox")
    assert product.status_code == 200 and "Children&#39;s Books" in product.text

    # Filter: pages and API know the bookshop's categories and refuse the coffee shop's.
    cheap_fiction = client.get("/products", params={"category": "fiction", "max_price": "20"})
    assert names_in(cheap_fiction.text, books) == {"The Lighthouse Keeper's Daughter"}
    listed = client.get("/api/products", params={"category": "fiction", "sort": "price_asc"}).json()
    assert [item["name"] for item in listed["items"]] == ["The Lighthouse Keeper's Daughter", "Winter in Lisbon"]
    refused = client.get("/api/products", params={"category": "coffee"})
    assert refused.status_code == 422
    assert "'fiction', 'children' or 'cookbooks'" in refused.json()["detail"]
    assert client.get("/products", params={"category": "tea"}).status_code == 422

    # Search: "novels" is the fiction shelf's word, so it becomes a filter; the cookbook whose
    # description says "novel" is left out, and so is the fiction over $20.
    found = client.get("/api/products", params={"q": "novels under $20"}).json()
    assert [item["name"] for item in found["items"]] == ["The Lighthouse Keeper's Daughter"]
    page = client.get("/products", params={"q": "novels under $20"})
    assert names_in(page.text, books) == {"The Lighthouse Keeper's Daughter"}
    baking = services.search.search(services.catalog, CatalogQuery(q="novel baking book"))
    assert baking.filters.category == "cookbooks"  # the shelf's phrase decides next to another shelf's word
    bedtime = services.search.search(services.catalog, CatalogQuery(q="stories for bedtime"))
    assert bedtime.filters.category is None  # an occasion, not the children's shelf

    # Order: cart, checkout, confirmation.
    client.post("/cart/items", data={"product_id": str(books["fox"]["_id"]), "quantity": "2"})
    form = client.get("/checkout")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.text)
    assert key is not None
    details = {"customerName": "Ada", "email": "ada@example.com", "address": "12 Analytical St, London"}
    placed = client.post("/checkout", data={**details, "idempotency_key": key.group(1)}, follow_redirects=False)
    assert placed.status_code == 303
    confirmation = client.get(placed.headers["location"])
    assert "The Very Sleepy Fox" in confirmation.text and "$19.00" in confirmation.text
    assert services.db.products.find_one({"_id": books["fox"]["_id"]})["stock"] == 8

    # The back office: reports and stock rows by the bookshop's categories.
    today = datetime.now(UTC).date()
    report = analytics.sales_report(services.db, start=today, end=today)
    assert [(c.category, c.name, c.revenue) for c in report.categories] == [
        ("children", "Children's Books", Decimal("19.00")),
        ("cookbooks", "Cookbooks", Decimal("0.00")),
        ("fiction", "Fiction", Decimal("0.00")),
    ]
    rows = {row.slug: row.category_name for row in inventory_rows(services.db, services.settings)}
    assert rows["fox"] == "Children's Books" and rows["noodles"] == "Cookbooks"


def test_the_product_admin_offers_the_bookshops_categories(
    services: ShopServices, books: dict[str, dict[str, Any]]
) -> None:
    admin = ProductAdmin(services.db, services.catalog, services.settings)
    shelves = services.catalog.all_categories()
    values = {"name": "Soup for Everyone", "description": "Soups. Recipes.", "category": "cookbooks", "price": "16"}
    created = admin.create(validate_product(values, shelves), owner="owner@example.com")
    assert services.catalog.by_slug(created["slug"]).category_name == "Cookbooks"
    with pytest.raises(InvalidFields) as caught:
        validate_product(values | {"category": "coffee"}, shelves)
    assert caught.value.errors["category"] == "must be one of 'fiction', 'children' or 'cookbooks'"
    assert admin.bulk_category([str(books["noodles"]["_id"])], category="fiction", owner="owner@example.com") == 1
    assert services.catalog.by_slug("noodles").category_name == "Fiction"


def test_no_page_of_a_bookshop_speaks_of_coffee(client: TestClient, books: dict[str, dict[str, Any]]) -> None:
    for path in ("/", "/products", "/about", "/products/fox", "/no-such-page"):
        html = client.get(path).text
        assert "Novels, picture books and cookbooks" in html, path
        assert not re.search(r"coffee|\btea\b|roast|espresso|creams?\b", html, re.IGNORECASE), path
    assert 'placeholder="Search fiction, children&#39;s books, cookbooks…"' in client.get("/").text
