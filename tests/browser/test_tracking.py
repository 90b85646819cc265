"""The owner ships an order with a tracking number; the customer finds the link and the timeline."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shop.backoffice.owners import create_owner
from shop.ordering.orders import OrderRequest
from shop.services import ShopServices

pytestmark = pytest.mark.browser


def test_owner_ships_and_the_customer_sees_the_tracking_link(
    page: Any, live_server: str, services: ShopServices, product_factory: Any
) -> None:
    from playwright.sync_api import expect

    create_owner(services.db, "owner@example.com", "correct horse battery staple")
    product = product_factory(name="Kenya AA", stock=5)
    order = services.orders.place(
        OrderRequest(
            customerName="Ada Lovelace",
            email="ada@example.com",
            address="12 Analytical Street, London",
            items=[{"productId": str(product["_id"]), "quantity": 1}],
        )
    )
    services.order_admin.change_status(order.id, "confirmed", owner="owner@example.com")

    page.goto(f"{live_server}/admin/orders/{order.id}")
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/admin/orders/{order.id}$"))
    page.get_by_label("Carrier", exact=True).select_option("ups")
    page.get_by_label("Tracking number").fill("1Z999AA1 0123 456784")
    page.get_by_role("button", name="Ship and email the customer").click()
    expect(page.get_by_role("status").first).to_contain_text("emailed the tracking link")
    expect(page.locator("#status-" + order.id)).to_contain_text("Shipped")

    page.goto(f"{live_server}/orders/lookup")
    page.get_by_label("Order number").fill(order.id)
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_role("button", name="Find my order").click()
    link = page.get_by_role("link", name=re.compile("1Z999AA10123456784"))
    expect(link).to_have_attribute("href", "https://www.ups.com/track?tracknum=1Z999AA10123456784")
    expect(page.locator(".order-timeline")).to_contain_text("was shipped with UPS")
    expect(page.locator(".order-estimate")).to_have_text(re.compile(r"\w{3} \d{1,2} \w{3} – \w{3} \d{1,2} \w{3}"))
