"""The storefront and the admin under their Content-Security-Policy in Chromium: nothing refused,
htmx still works, and the catalog filters take their place without moving the page."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from shop.backoffice.owners import create_owner
from shop.services import ShopServices

pytestmark = pytest.mark.browser

# Injected by the browser itself (DevTools), so the policy does not apply to it.
WATCH = """
window.__refused = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__refused.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile);
});
window.__shift = 0;
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (entry) { if (!entry.hadRecentInput) window.__shift += entry.value; });
}).observe({ type: "layout-shift", buffered: true });
"""


def watched(page: Any) -> list[str]:
    """Refusals the page reports from now on: its violation events, and console lines about the policy."""
    refused: list[str] = []
    page.add_init_script(WATCH)
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return refused


def refusals(page: Any, console: list[str]) -> list[str]:
    return [*page.evaluate("window.__refused"), *console]


def test_pages_and_admin_charts_run_with_nothing_refused(
    page: Any, live_server: str, services: ShopServices, product_factory: Any
) -> None:
    from playwright.sync_api import expect

    console = watched(page)
    kenya = product_factory(name="Kenya Nyeri", slug="kenya-nyeri", price=Decimal("16.40"), stock=5, featured=True)
    product_factory(name="Darjeeling First Flush", category="tea", price=Decimal("12.00"), stock=5)
    for n in range(4):
        product_factory(name=f"House Blend {n}", price=Decimal("9.00"))

    page.goto(live_server + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(live_server + "/products")
    # A filter change asks htmx for new results (the form's "filters-change" trigger, static/js/shop.js).
    page.get_by_label("Category").select_option("tea")
    expect(page.locator("#catalog-results")).not_to_contain_text("House Blend 0")
    expect(page.locator("#catalog-results")).to_contain_text("Darjeeling First Flush")
    expect(page).to_have_url(re.compile(r"category=tea"))
    # The search box has its own delayed trigger; its "change" on leaving it sends nothing more.
    page.locator("#filter-q").press_sequentially("darj", delay=20)
    expect(page).to_have_url(re.compile(r"q=darj"))

    page.goto(live_server + "/products/kenya-nyeri")
    page.locator("article.product").get_by_role("button", name=re.compile("add to cart", re.I)).click()
    expect(page.locator("#cart-count")).to_have_text("1")
    # The toast clears the chat toggle, and the open panel (marked by chat.js, not by body:has()).
    expect(page.locator("#flash")).to_have_class(re.compile(r"\bflash-region--above-chat\b"))
    page.locator("#chat-toggle").click()
    expect(page.locator("#flash")).to_have_class(re.compile(r"\bflash-region--chat-open\b"))
    assert refusals(page, console) == []

    create_owner(services.db, "owner@example.com", "correct horse battery staple")
    page.goto(live_server + "/admin/login?next=/admin")
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin$"))
    for path in ("/admin/inventory", f"/admin/inventory/{kenya['_id']}", "/admin/analytics"):
        page.goto(live_server + path)
        expect(page.locator("main")).to_be_visible()
        assert refusals(page, console) == [], path
    expect(page.locator(".insight-chart svg").first).to_be_visible()  # the charts are drawn (server-side SVG)


@pytest.mark.parametrize(("width", "folded"), [(390, True), (1280, False)])
def test_catalog_filters_take_their_place_without_a_layout_shift(
    browser: Any, live_server: str, product_factory: Any, width: int, folded: bool
) -> None:
    from playwright.sync_api import expect

    for n in range(8):
        product_factory(name=f"House Blend {n}", price=Decimal("9.00"))
    context = browser.new_context(viewport={"width": width, "height": 844})
    try:
        page = context.new_page()
        console = watched(page)
        page.goto(live_server + "/products", wait_until="load")
        page.wait_for_timeout(500)  # shop.js has run, the images have arrived
        category = page.get_by_label("Category")
        if folded:  # phones: folded from the first paint; the summary opens them
            expect(category).to_be_hidden()
            page.get_by_text("Filters", exact=True).click()
            expect(category).to_be_visible()
        else:  # wide screens: a sidebar, open (for assistive technology) and shown
            expect(category).to_be_visible()
            assert page.evaluate("document.querySelector('details.filters').open") is True
        assert page.evaluate("window.__shift") < 0.01
        first, later = page.locator(".product-card img").nth(0), page.locator(".product-card img").nth(6)
        assert first.get_attribute("loading") == "eager" and first.get_attribute("fetchpriority") == "high"
        assert later.get_attribute("loading") == "lazy"
        assert refusals(page, console) == []
    finally:
        context.close()
