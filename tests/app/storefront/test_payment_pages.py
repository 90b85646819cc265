"""The storefront's payment choice: checkout lists the methods the shop offers, a card order goes on
to Stripe's page, the cancel page brings the customer back to "Pay now", a bank transfer shows the
shop's bank details on the confirmation page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pymongo.database import Database

from shop.core.settings import Settings
from shop.services import ShopServices
from tests.support.http_stub import StubServer
from tests.support.payments import stripe_settings, stripe_stub

DETAILS = {"customerName": "Ada Lovelace", "email": "ada@example.com", "address": "12 Analytical St, London"}


@pytest.fixture
def stripe_api() -> Iterator[StubServer]:
    with stripe_stub() as stub:
        yield stub


@pytest.fixture
def shop(db: Database, settings: Settings, stripe_api: StubServer) -> Iterator[ShopServices]:
    configured = stripe_settings(settings, stripe_api, bank_transfer_details="IBAN: GB33 BUKB 2020 1555 5555 55")
    built = ShopServices.build(db, configured, background_mail=False)
    yield built
    built.close()


@pytest.fixture
def browser(shop: ShopServices) -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app(shop.settings, shop)) as test_client:
        yield test_client


def _checkout(browser: TestClient, product: dict[str, Any], method: str) -> Any:
    browser.post("/cart/items", data={"product_id": str(product["_id"]), "quantity": "1"})
    page = browser.get("/checkout")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert key is not None
    data = {**DETAILS, "idempotency_key": key.group(1), "paymentMethod": method}
    return browser.post("/checkout", data=data, follow_redirects=False)


def test_checkout_offers_the_enabled_methods(browser: TestClient, items: dict[str, Any]) -> None:
    browser.post("/cart/items", data={"product_id": str(items["earl"]["_id"]), "quantity": "1"})
    page = browser.get("/checkout").text
    radios = re.findall(r'<input type="radio" name="paymentMethod" value="([a-z_]+)"( checked)?>', page)
    assert radios == [("bank_transfer", " checked"), ("stripe", "")]
    assert "Card (Stripe)" in page and "PayPal" not in page


def test_card_order_goes_to_stripe_and_cancel_comes_back_to_pay_now(
    browser: TestClient, shop: ShopServices, stripe_api: StubServer, items: dict[str, Any]
) -> None:
    placed = _checkout(browser, items["yirga"], "stripe")
    assert placed.status_code == 303
    order = shop.db.orders.find_one({})
    # Through the confirmation page: a form's redirect may not leave the site (CSP form-action 'self').
    assert placed.headers["location"] == f"/orders/{order['_id']}/confirmation?payment=redirect"
    going = browser.get(placed.headers["location"]).text
    assert f'<meta http-equiv="refresh" content="0;url={stripe_api.url}/pay/cs_test_1">' in going
    assert f'href="{stripe_api.url}/pay/cs_test_1">Continue to payment' in going
    assert order["payment"]["method"] == "stripe" and "Ethiopia" not in browser.get("/cart").text
    back = browser.get(f"/orders/{order['_id']}/payment/cancel", follow_redirects=True)
    assert back.status_code == 200
    assert "You left the payment page without paying" in back.text
    assert f'href="/orders/{order["_id"]}/pay"' in back.text and "Pay now" in back.text
    again = browser.get(f"/orders/{order['_id']}/pay", follow_redirects=False)
    assert again.headers["location"] == f"{stripe_api.url}/pay/cs_test_1"  # the open session, not a new one
    # Someone else's browser cannot start a payment for the order.
    with TestClient(browser.app) as stranger:
        assert stranger.get(f"/orders/{order['_id']}/pay", follow_redirects=False).status_code == 404


def test_bank_transfer_confirmation_shows_the_bank_details(
    browser: TestClient, shop: ShopServices, items: dict[str, Any]
) -> None:
    placed = _checkout(browser, items["honey"], "bank_transfer")
    assert placed.status_code == 303 and placed.headers["location"].endswith("/confirmation")
    page = browser.get(placed.headers["location"]).text
    assert "IBAN: GB33 BUKB 2020 1555 5555 55" in page and "Bank transfer" in page and "Awaiting payment" in page
    assert "Pay now" not in page


def test_a_method_the_shop_does_not_offer_is_refused_on_the_form(
    browser: TestClient, shop: ShopServices, items: dict[str, Any]
) -> None:
    refused = _checkout(browser, items["honey"], "paypal")
    assert refused.status_code == 422 and "not offered" in refused.text
    assert shop.db.orders.count_documents({}) == 0
