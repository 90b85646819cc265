"""VARIANTS (issue 14) in a real headless Chromium: pick the 1 kg bag on the product page, add it to
the cart, check out; the order is the variant's, at its price, from its stock."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from shop.services import ShopServices
from tests.support.products import variant_of

pytestmark = pytest.mark.browser


def test_pick_the_kilo_bag_and_order_it(
    page: Any, live_server: str, services: ShopServices, product_factory: Any
) -> None:
    from playwright.sync_api import expect

    main = product_factory(
        name="House Espresso Roast",
        slug="house-espresso-roast",
        price=Decimal("14.95"),
        stock=20,
        options={"size": "250 g"},
        sku="ESP-250",
    )
    kilo = product_factory(**variant_of(main, {"size": "1 kg"}, price=Decimal("49.00"), stock=6, sku="ESP-1000"))

    page.goto(live_server + "/products?category=coffee")
    card = page.locator("#catalog-results article.product-card")
    expect(card).to_have_count(1)  # the family is one card
    card.get_by_role("link", name="House Espresso Roast").click()
    expect(page).to_have_url(re.compile(r"/products/house-espresso-roast$"))

    options = page.get_by_role("navigation", name="Options")
    expect(options.locator("[aria-current='true']")).to_contain_text("250 g")
    options.get_by_role("link", name=re.compile(r"^1 kg")).click()
    expect(page).to_have_url(re.compile(r"/products/house-espresso-roast-1-kg$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("House Espresso Roast (1 kg)")
    expect(page.get_by_role("navigation", name="Options").locator("[aria-current='true']")).to_contain_text("1 kg")
    expect(page.locator(".product__price")).to_have_text("$49.00")
    canonical = page.locator("link[rel=canonical]").get_attribute("href")
    assert canonical is not None and canonical.endswith("/products/house-espresso-roast")

    page.locator("article.product").get_by_role("button", name=re.compile("add to cart", re.I)).click()
    expect(page.locator("#cart-count")).to_have_text("1")
    expect(page.locator("#flash")).to_contain_text("House Espresso Roast (1 kg)")

    page.locator("header").get_by_role("link", name=re.compile("cart", re.I)).click()
    expect(page.locator("main")).to_contain_text("House Espresso Roast (1 kg)")
    expect(page.locator("main")).to_contain_text("$49.00")
    page.get_by_role("link", name=re.compile("checkout", re.I)).first.click()

    page.get_by_label(re.compile("name", re.I)).first.fill("Ada Lovelace")
    page.get_by_label(re.compile("email", re.I)).fill("ada@example.com")
    page.get_by_label("Country").select_option("US")
    page.get_by_label("Address line 1").fill("12 Analytical Street")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label(re.compile("^State", re.I)).fill("IL")
    page.get_by_label("Postal code").fill("62704")
    page.get_by_role("button", name=re.compile("place order", re.I)).click()
    expect(page).to_have_url(re.compile(r"/orders/ORD-[0-9A-Z]{8}/confirmation$"))
    expect(page.locator("main")).to_contain_text("House Espresso Roast (1 kg)")

    order = services.db.orders.find_one({})
    assert order is not None
    [line] = order["products"]
    assert line["productId"] == kilo["_id"] and line["unitPrice"] == Decimal("49.00")
    assert line["name"] == "House Espresso Roast (1 kg)" and order["subtotal"] == Decimal("49.00")
    assert services.db.products.find_one({"_id": kilo["_id"]})["stock"] == 5
    assert services.db.products.find_one({"_id": main["_id"]})["stock"] == 20
