"""Discovery in a real headless Chromium: the suggestion combobox by keyboard, the wishlist heart."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shop.services import ShopServices

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
