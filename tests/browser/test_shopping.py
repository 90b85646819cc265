"""Browse -> search -> add to cart -> checkout -> confirmation, in a real headless Chromium."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from shop.services import ShopServices
from tests.app.storefront.test_checkout_quote import ship_to_france

pytestmark = pytest.mark.browser


def test_browse_search_add_to_cart_checkout(
    page: Any, live_server: str, services: ShopServices, product_factory: Any
) -> None:
    from playwright.sync_api import expect

    ship_to_france(services)
    product_factory(
        name="Kenya Nyeri Peaberry", slug="kenya-nyeri-peaberry", price=Decimal("16.40"), stock=5, featured=True
    )
    product_factory(name="Darjeeling Second Flush", category="tea", price=Decimal("12.00"), stock=5)
    for n in range(5):
        product_factory(name=f"House Blend {n}", price=Decimal("9.00"))

    page.goto(live_server + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("link", name=re.compile("^Coffee", re.I)).first.click()
    expect(page).to_have_url(re.compile(r"/products\?category=coffee"))
    expect(page.locator("#catalog-results")).to_contain_text("House Blend 0")

    # Typing in the filter search updates the results in place (htmx) and the URL follows.
    page.locator("#filter-q").press_sequentially("kenya", delay=30)
    expect(page.locator("#catalog-results")).not_to_contain_text("House Blend 0")
    expect(page.locator("#catalog-results")).to_contain_text("Kenya Nyeri Peaberry")
    expect(page).to_have_url(re.compile(r"q=kenya"))

    page.locator("#catalog-results").get_by_role("link", name="Kenya Nyeri Peaberry").first.click()
    expect(page).to_have_url(re.compile(r"/products/kenya-nyeri-peaberry$"))
    page.get_by_label(re.compile("quantity", re.I)).fill("2")
    # Scoped to the product itself: the page also lists similar products with their own buttons.
    page.locator("article.product").get_by_role("button", name=re.compile("add to cart", re.I)).click()
    expect(page.locator("#cart-count")).to_have_text("2")
    expect(page.locator("#flash")).to_contain_text("Kenya Nyeri Peaberry")

    page.locator("header").get_by_role("link", name=re.compile("cart", re.I)).click()
    expect(page.locator("main")).to_contain_text("$32.80")
    expect(page.locator("main")).to_contain_text("$38.75")  # the estimate with standard shipping
    page.get_by_role("link", name=re.compile("checkout", re.I)).first.click()

    # The quote follows the country as soon as it is chosen (htmx), before anything else is typed:
    # France's method and 20 % tax, in the summary and on the button, focus left on the select.
    submit = page.get_by_role("button", name=re.compile("place order", re.I))
    expect(submit).to_have_text("Place order · $38.75")
    page.get_by_label("Country").focus()  # as a keyboard user is; select_option alone does not focus
    page.get_by_label("Country").select_option("FR")
    expect(submit).to_have_text("Place order · $49.26")  # 32.80 + 9.90 Colissimo + 6.56 tax
    expect(page.locator("#shipping-methods")).to_contain_text("Colissimo")
    expect(page.locator("#checkout-quote")).to_contain_text("$6.56")
    assert page.evaluate("document.activeElement.id") == "field-country"
    page.get_by_label("Country").select_option("US")
    expect(submit).to_have_text("Place order · $38.75")

    # A bad email is explained next to its field, and nothing is ordered.
    page.get_by_label(re.compile("name", re.I)).first.fill("Ada Lovelace")
    page.get_by_label(re.compile("email", re.I)).fill("ada-at-example")
    page.get_by_label("Country").select_option("US")
    page.get_by_label("Address line 1").fill("12 Analytical Street")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label(re.compile("^State", re.I)).fill("IL")
    page.get_by_label("Postal code").fill("6270")  # one digit short: explained beside the field
    page.locator("form[action='/checkout'] input[type=email]").evaluate("el => el.type = 'text'")
    page.get_by_role("button", name=re.compile("place order", re.I)).click()
    expect(page.locator("main")).to_contain_text("not a valid email address")
    expect(page.locator("main")).to_contain_text("not a valid postal code for United States")
    assert services.db.orders.count_documents({}) == 0

    page.get_by_label(re.compile("email", re.I)).fill("ada@example.com")
    page.get_by_label("Postal code").fill("62704")
    page.get_by_label(re.compile("express", re.I)).check()
    expect(submit).to_have_text("Place order · $45.75")  # re-quoted; the chosen radio keeps focus
    expect(page.locator("#shipping-method-express")).to_be_focused()
    page.get_by_role("button", name=re.compile("place order", re.I)).click()
    expect(page).to_have_url(re.compile(r"/orders/ORD-[0-9A-Z]{8}/confirmation$"))
    expect(page.locator("main")).to_contain_text("Kenya Nyeri Peaberry")
    expect(page.locator("main")).to_contain_text("$32.80")
    expect(page.locator("#cart-count")).to_have_text("0")

    order = services.db.orders.find_one({})
    expect(page.locator("main")).to_contain_text("$45.75")  # 32.80 + 12.95 express
    assert order["email"] == "ada@example.com" and order["subtotal"] == Decimal("32.80")
    assert order["shippingMethod"] == "express" and order["totalAmount"] == Decimal("45.75")
    assert order["address"] == "12 Analytical Street, Springfield, IL 62704, US"
    assert order["_id"] in page.locator("main").inner_text()
    assert services.db.products.find_one({"slug": "kenya-nyeri-peaberry"})["stock"] == 3


def test_catalog_works_without_javascript(browser: Any, live_server: str, product_factory: Any) -> None:
    from playwright.sync_api import expect

    product_factory(name="Rooibos Chai", category="tea", price=Decimal("7.50"))
    product_factory(name="Sumatra Mandheling", category="coffee", price=Decimal("13.00"))
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/products")
    page.locator("#filter-q").fill("rooibos")
    page.locator("#filter-q").press("Enter")
    expect(page).to_have_url(re.compile(r"/products\?.*q=rooibos"))
    expect(page.locator("#catalog-results")).to_contain_text("Rooibos Chai")
    expect(page.locator("#catalog-results")).not_to_contain_text("Sumatra Mandheling")
    context.close()
