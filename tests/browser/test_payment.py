"""Checkout with a card in a real Chromium: the customer picks "Card (Stripe)", lands on the
provider's page (a local stand-in), comes back through the cancel page and finds "Pay now"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from pymongo.database import Database

from shop.core.settings import Settings
from shop.services import ShopServices
from tests.support.http_stub import StubServer
from tests.support.live_server import serving
from tests.support.payments import stripe_settings, stripe_stub

pytestmark = pytest.mark.browser


@pytest.fixture
def stripe_api() -> Iterator[StubServer]:
    with stripe_stub() as stub:
        yield stub


@pytest.fixture
def card_shop(db: Database, settings: Settings, stripe_api: StubServer) -> Iterator[tuple[ShopServices, str]]:
    from app.main import create_app

    shop = ShopServices.build(db, stripe_settings(settings, stripe_api), background_mail=False)
    try:
        with serving(create_app(shop.settings, shop)) as url:
            yield shop, url
    finally:
        shop.close()


def test_card_checkout_goes_to_the_provider_and_back(
    page: Any, card_shop: tuple[ShopServices, str], stripe_api: StubServer, product_factory: Any
) -> None:
    from playwright.sync_api import expect

    shop, url = card_shop
    product = product_factory(name="Kenya Nyeri Peaberry", price=Decimal("16.40"), stock=5)
    page.goto(f"{url}/products/{product['slug']}")
    page.locator("article.product").get_by_role("button", name=re.compile("add to cart", re.I)).click()
    expect(page.locator("#cart-count")).to_have_text("1")
    page.goto(f"{url}/checkout")
    expect(page.get_by_role("radio", name=re.compile("Bank transfer"))).to_be_checked()
    page.get_by_label(re.compile("name", re.I)).first.fill("Ada Lovelace")
    page.get_by_label(re.compile("email", re.I)).fill("ada@example.com")
    page.get_by_label("Country").select_option("US")
    page.get_by_label("Address line 1").fill("12 Analytical Street")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label(re.compile("^State", re.I)).fill("IL")
    page.get_by_label("Postal code").fill("62704")
    page.get_by_role("radio", name=re.compile("Card")).check()
    page.get_by_role("button", name=re.compile("place order", re.I)).click()
    expect(page).to_have_url(f"{stripe_api.url}/pay/cs_test_1")  # the provider's page (stand-in)
    order = shop.db.orders.find_one({})
    assert order["payment"]["method"] == "stripe" and order["payment"]["providerRef"] == "cs_test_1"

    page.goto(f"{url}/orders/{order['_id']}/payment/cancel")
    expect(page).to_have_url(re.compile(rf"/orders/{order['_id']}/confirmation\?payment=cancelled$"))
    expect(page.locator("main")).to_contain_text("You left the payment page without paying")
    page.get_by_role("link", name=re.compile("pay now", re.I)).click()
    expect(page).to_have_url(f"{stripe_api.url}/pay/cs_test_1")
