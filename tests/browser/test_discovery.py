"""Discovery in a real headless Chromium: the suggestion combobox by keyboard, the wishlist heart,
the product page's "Recommended for you" row loaded by HTMX."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shop.services import ShopServices
from tests.support.orders import bought_together

pytestmark = pytest.mark.browser


def test_suggestions_by_keyboard_and_wishlist_toggle(
    page: Any, live_server: str, services: ShopServices, product_factory: Any
) -> None:
    from playwright.sync_api import expect

    product_factory(name="Chamomile & Lavender Herbal Blend", slug="chamomile", category="tea")
    product_factory(name="Chamomile Hand Cream", slug="chamomile-cream", category="beauty")
    product_factory(name="House Espresso", slug="espresso")

    page.goto(live_server + "/")
    search = page.get_by_role("combobox", name="Search products")
    search.press_sequentially("camomile", delay=20)  # a typo
    listbox = page.get_by_role("listbox", name="Search suggestions")
    expect(listbox.get_by_role("option")).to_have_count(3)  # "search for ..." plus two products
    expect(search).to_have_attribute("aria-expanded", "true")
    search.press("ArrowDown")
    search.press("ArrowDown")
    active = page.locator("#search-suggestions [aria-selected=true]")
    expect(active).to_contain_text("Chamomile")
    expect(search).to_have_attribute("aria-activedescendant", "suggestion-1")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/products/chamomile(-cream)?$"))

    page.goto(live_server + "/products?q=espresso")
    heart = page.locator("#catalog-results").get_by_role(
        "button", name=re.compile(r"wishlist\s*: House Espresso", re.I)
    )
    expect(heart).to_have_attribute("aria-pressed", "false")
    heart.focus()
    page.keyboard.press("Enter")
    heart = page.locator("#catalog-results").get_by_role(
        "button", name=re.compile(r"wishlist\s*: House Espresso", re.I)
    )
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(heart).to_be_focused()  # the swap keeps keyboard focus on the toggle
    expect(page.locator("#flash")).to_contain_text("Saved House Espresso")
    page.goto(live_server + "/wishlist")
    expect(page.locator("main")).to_contain_text("House Espresso")


def test_recommended_for_you_loads_after_the_product_page(
    browser: Any, page: Any, live_server: str, services: ShopServices, product_factory: Any
) -> None:
    """The product page is shared by all visitors; their own row arrives by HTMX (and only then)."""
    from playwright.sync_api import expect

    matcha = product_factory(name="Ceremonial Matcha", slug="matcha", category="tea", tags=["green"])
    honey = product_factory(name="Acacia Honey", slug="acacia-honey", category="food", tags=["honey"])
    for n in range(8):
        product_factory(name=f"Green Tea No. {n}", slug=f"green-{n}", category="tea", tags=["green"])
    bought_together(services.db, [matcha, honey])
    services.copurchase.refresh()

    page.goto(live_server + "/products/matcha")  # this view is the new visitor's history
    row = page.get_by_role("region", name="Recommended for you")
    expect(row).to_be_visible()
    expect(row.get_by_role("heading", level=2, name="Recommended for you")).to_be_visible()
    expect(row.locator(".product-card").first).to_be_visible()
    expect(page.locator("div#for-you")).to_have_count(0)  # the placeholder was replaced

    no_js = browser.new_context(java_script_enabled=False)
    try:
        plain = no_js.new_page()
        plain.goto(live_server + "/products/matcha")
        expect(plain.get_by_role("heading", level=1, name="Ceremonial Matcha")).to_be_visible()
        expect(plain.get_by_role("region", name="Frequently bought together")).to_be_visible()
        expect(plain.get_by_role("region", name="Recommended for you")).to_have_count(0)
    finally:
        no_js.close()


def test_placeholder_goes_when_there_is_nothing_personal(page: Any, live_server: str, product_factory: Any) -> None:
    from playwright.sync_api import expect

    product_factory(name="Only Tea In The Shop", slug="only-tea", category="tea")
    with page.expect_response(re.compile(r"/products/only-tea/for-you$")) as answer:
        page.goto(live_server + "/products/only-tea")
    assert answer.value.status == 200 and answer.value.text() == ""
    expect(page.locator("#for-you")).to_have_count(0)
    expect(page.get_by_role("heading", level=1, name="Only Tea In The Shop")).to_be_visible()
