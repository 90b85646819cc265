"""The owner signs in, changes a price in the admin, and the storefront shows it."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from shop.backoffice.owners import create_owner
from shop.services import ShopServices

pytestmark = pytest.mark.browser


def test_owner_edits_a_price_and_the_shop_shows_it(
    page: Any, live_server: str, services: ShopServices, product_factory: Any
) -> None:
    from playwright.sync_api import expect

    create_owner(services.db, "owner@example.com", "correct horse battery staple")
    product = product_factory(name="Colombia Huila", slug="colombia-huila", price=Decimal("13.00"), stock=8)
    page.goto(live_server + "/products/colombia-huila")
    expect(page.locator("main")).to_contain_text("$13.00")

    # The admin sends a stranger to the sign-in page and back to where they were going.
    page.goto(live_server + "/admin/products")
    expect(page).to_have_url(re.compile(r"/admin/login\?next=/admin/products$"))
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_label("Password").fill("wrong password!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/products$"))

    # Search narrows the list in place (htmx), then the product opens for editing.
    page.get_by_label("Search").press_sequentially("huila", delay=20)
    expect(page.locator("#product-results")).to_contain_text("1 product")
    page.get_by_role("link", name="Colombia Huila").click()
    expect(page).to_have_url(re.compile(rf"/admin/products/{product['_id']}$"))
    price = page.locator("#field-price")  # the product's own price (the "Add variant" form has one too)
    expect(price).to_have_value("13.00")
    price.fill("14.75")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Your changes were saved")

    page.goto(live_server + "/products/colombia-huila")
    expect(page.locator("main")).to_contain_text("$14.75")
    assert services.db.products.find_one({"_id": product["_id"]})["price"] == Decimal("14.75")
    entry = services.db.activity_log.find_one({"action": "product.update"})
    assert entry["owner"] == "owner@example.com" and entry["after"] == {"price": Decimal("14.75")}


def test_owner_makes_a_category_orders_it_and_the_shop_shows_it(
    page: Any, live_server: str, services: ShopServices
) -> None:
    from playwright.sync_api import expect

    create_owner(services.db, "owner@example.com", "correct horse battery staple")
    page.goto(live_server + "/admin/login?next=/admin/categories")
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/categories$"))

    page.get_by_role("link", name="New category").click()
    page.get_by_label("Name", exact=True).fill("Gift Boxes")
    page.get_by_label("Web address").fill("gift boxes")
    page.get_by_label("Jar").check()
    page.get_by_label("Words that name this category").fill("gift, gifts, hamper")
    page.get_by_role("button", name="Create category").click()
    expect(page.get_by_role("alert")).to_contain_text("may hold only lowercase letters")  # typed as is, shown again
    expect(page.get_by_label("Name", exact=True)).to_have_value("Gift Boxes")
    page.get_by_label("Web address").fill("gift-boxes")
    page.get_by_role("button", name="Create category").click()
    expect(page.get_by_role("status")).to_contain_text("The category was created")
    expect(page.locator("#category-list tbody tr").last).to_contain_text("Gift Boxes")

    # The arrows move it in place (htmx swaps the list), and the shop's navigation follows.
    before = page.url
    page.get_by_role("button", name="Move Gift Boxes up").click()
    expect(page.locator("#category-list tbody tr").nth(3)).to_contain_text("Gift Boxes")
    assert page.url == before  # swapped in place, not reloaded
    page.goto(live_server + "/")
    nav = page.get_by_role("navigation", name="Categories")
    expect(nav.get_by_role("link")).to_have_text(
        ["All products", "Coffee", "Tea", "Pantry & Treats", "Gift Boxes", "Beauty Cream"]
    )
