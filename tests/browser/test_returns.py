"""A return asked for on the order page, in a real headless Chromium: look the delivered order up,
choose what to send back, and see the request (then the approved return's label link)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from shop.services import ShopServices
from tests.support.returns import EMAIL, delivered_order

pytestmark = pytest.mark.browser


def test_a_return_from_the_order_page(page: Any, live_server: str, services: ShopServices, items: Any) -> None:
    from playwright.sync_api import expect

    order = delivered_order(services, [(items["earl"], 2), (items["honey"], 1)])
    page.goto(live_server + "/orders/lookup")
    page.get_by_label("Order number").fill(order.id)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Find my order").click()
    form = page.locator("form.return-form")
    expect(form).to_be_visible()
    form.get_by_label("Earl Grey Supreme", exact=True).fill("2")
    form.get_by_label("Reason").fill("Too strong for me")
    form.get_by_role("button", name="Request a return").click()
    expect(page.locator("#returns")).to_contain_text("We received your return request")
    expect(page.locator("#returns")).to_contain_text("$19.00")
    if os.environ.get("RETURNS_SCREENSHOT"):
        page.screenshot(path=os.environ["RETURNS_SCREENSHOT"], full_page=True)
    made = services.db.returns.find_one({"orderId": order.id})
    assert made["items"][0]["quantity"] == 2 and made["reason"] == "Too strong for me"
    services.returns.approve(made["_id"], owner="owner@example.com")
    page.get_by_role("button", name="Find my order").click()
    expect(page.get_by_role("link", name="Print the return label")).to_be_visible()
