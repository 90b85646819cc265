"""An order split over two stock locations: the owner ships one parcel per location from the order
page; the customer's order page says how many parcels are on their way."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shop.backoffice.owners import create_owner
from shop.services import ShopServices
from tests.support.split_orders import EAST, two_location_order

pytestmark = pytest.mark.browser


def test_owner_ships_two_parcels_from_two_locations(
    page: Any, live_server: str, services: ShopServices, product_factory: Any
) -> None:
    from playwright.sync_api import expect

    create_owner(services.db, "owner@example.com", "correct horse battery staple")
    order, _, _ = two_location_order(services, product_factory)

    page.goto(f"{live_server}/admin/orders/{order.id}")
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/admin/orders/{order.id}$"))
    expect(page.get_by_role("button", name="Ship and email the customer")).to_have_count(0)

    main = page.locator('.ship-from__group[data-location-id="main"]')
    expect(main.get_by_label("Kenya Beans")).to_have_value("2")
    main.get_by_label("Carrier", exact=True).select_option("ups")
    main.get_by_label("Tracking number").fill("1Z999AA10123456784")
    main.get_by_role("button", name="Ship parcel from Main store").click()
    expect(page.locator(".ship-progress")).to_contain_text("1 of 2 parcels shipped")

    east = page.locator(f'.ship-from__group[data-location-id="{EAST}"]')
    expect(east.get_by_label("Darjeeling Tea")).to_have_value("1")
    east.get_by_label("Carrier", exact=True).select_option("fedex")
    east.get_by_label("Tracking number").fill("123456789012")
    east.get_by_role("button", name="Ship parcel from Warehouse East").click()
    expect(page.locator(".ship-progress")).to_have_count(0)
    expect(page.locator(".ship-form")).to_have_count(0)

    page.goto(f"{live_server}/orders/lookup")
    page.get_by_label("Order number").fill(order.id)
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_role("button", name="Find my order").click()
    expect(page.locator(".order-timeline")).to_contain_text("Parcel 2 of 2 was shipped with FedEx from Warehouse East")
    expect(page.locator(".order-shipments")).to_contain_text("1 × Darjeeling Tea")
