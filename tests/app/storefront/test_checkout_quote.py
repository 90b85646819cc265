"""The checkout's live quote (issue 14): POST /checkout/quote answers the shipping methods, the
summary's quote lines and the submit button's total for the country and region chosen so far, while
the rest of the address is still empty; a country no zone ships to says so (200, never a 500); a
country that is not one is a readable 422. The page itself (no JavaScript) quotes the same way."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from shop.services import ShopServices
from tests.app.storefront.test_checkout_address import fill_cart

HTMX = {"HX-Request": "true"}
EMPTY = {"customerName": "", "email": "", "line1": "", "line2": "", "city": "", "region": "", "postalCode": ""}


def ship_to_france(services: ShopServices, *, us_regions: list[str] | None = None) -> None:
    """The default US zone, plus a French zone with one method and France's 20 % VAT."""
    config = services.commerce.get()
    data = config.model_dump()
    if us_regions is not None:
        data["zones"][0]["regions"] = us_regions
    data["zones"].append(
        {
            "id": "fr",
            "name": "France",
            "countries": ["FR"],
            "methods": [
                {"id": "colissimo", "name": "Colissimo", "price": "9.90", "delivery_days": {"min": 3, "max": 6}}
            ],
        }
    )
    data["tax_rates"] = [{"country": "FR", "rate": "20"}]
    services.commerce.save(config.model_validate(data), based_on=config.version)


def checked(fragment: str) -> list[str]:
    return re.findall(r'name="shippingMethod" value="([^"]+)" checked', fragment)


def test_choosing_france_quotes_the_french_zone_and_tax_with_the_address_still_empty(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    ship_to_france(services)
    fill_cart(client, product_factory)  # 2 x $12.00
    assert "Place order · $29.95" in client.get("/checkout").text  # the home country's standard shipping
    response = client.post("/checkout/quote", data={**EMPTY, "country": "FR"}, headers=HTMX)
    assert response.status_code == 200, response.text[:500]
    fragment = " ".join(response.text.split())
    assert fragment.startswith('<fieldset class="form-section" id="shipping-methods"')
    assert "Colissimo: $9.90, 3–6 working days" in fragment and "Standard" not in fragment
    assert checked(fragment) == ["colissimo"]
    assert "<dt>Tax</dt><dd>$4.80</dd>" in fragment  # 20 % of $24.00, added to the prices
    assert "Shipping and tax for delivery in France" in fragment
    assert re.search(r'id="checkout-quote" hx-swap-oob="innerHTML">.*\$38\.70', fragment, re.S)
    assert re.search(r'id="checkout-submit-label" hx-swap-oob="innerHTML">Place order · \$38\.70<', fragment)


def test_the_chosen_method_stays_chosen_while_the_place_still_offers_it(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    ship_to_france(services)
    fill_cart(client, product_factory)
    express = client.post("/checkout/quote", data={**EMPTY, "country": "US", "shippingMethod": "express"})
    assert checked(express.text) == ["express"] and "Place order · $36.95" in express.text
    assert 'id="shipping-method-express"' in express.text  # an id: htmx keeps focus on it across the swap
    abroad = client.post("/checkout/quote", data={**EMPTY, "country": "FR", "shippingMethod": "express"})
    assert checked(abroad.text) == ["colissimo"] and "Place order · $38.70" in abroad.text


def test_a_country_no_zone_ships_to_says_so_instead_of_methods(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    fill_cart(client, product_factory)
    response = client.post("/checkout/quote", data={**EMPTY, "country": "DE"}, headers=HTMX)
    assert response.status_code == 200
    assert "Sorry, we do not ship to Germany. We ship to: United States." in response.text
    assert 'name="shippingMethod"' not in response.text and "Place order · $24.00" in response.text
    # Without JavaScript the submitted page says the same, with Germany still chosen.
    page = client.post("/checkout", data={**EMPTY, "country": "DE", "idempotency_key": "k1"}).text
    assert '<option value="DE" selected>Germany</option>' in page and "we do not ship to Germany" in page


def test_where_zones_cover_some_states_the_quote_waits_for_the_state(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    ship_to_france(services, us_regions=["CA", "NY"])
    fill_cart(client, product_factory)
    quote = lambda region: client.post("/checkout/quote", data={**EMPTY, "country": "US", "region": region}).text  # noqa: E731
    assert "Choose your state to see shipping to United States." in quote("")
    assert "Choose your state" in quote("Califo")  # not a state yet: the country's quote
    assert checked(quote("california")) == ["standard"]
    assert "Sorry, we do not ship to TX, United States." in quote("TX")


def test_the_page_without_javascript_quotes_to_the_chosen_country_too(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    ship_to_france(services)
    fill_cart(client, product_factory)
    page = client.post("/checkout", data={**EMPTY, "country": "FR", "idempotency_key": "k2"})
    assert page.status_code == 422  # the address is incomplete, but the quote is France's already
    assert "Colissimo" in page.text and "Place order · $38.70" in page.text
    assert re.search(r'<div id="checkout-quote" aria-live="polite">', page.text)
    assert services.db.orders.count_documents({}) == 0


def test_bad_input_is_a_readable_4xx_never_a_500(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    fill_cart(client, product_factory)
    not_a_country = client.post("/checkout/quote", data={**EMPTY, "country": "QQ"}, headers=HTMX)
    assert not_a_country.status_code == 422
    assert "Country must be a two-letter country code (ISO 3166)" in not_a_country.text
    assert not_a_country.headers["HX-Retarget"] == "#flash"  # shown in the flash, the quote left as it was
    for field, value in (("postalCode", "9" * 5000), ("country", "F" * 500), ("region", "R" * 5000)):
        huge = client.post("/checkout/quote", data={**EMPTY, "country": "US", field: value}, headers=HTMX)
        assert huge.status_code == 422, (field, huge.status_code)
        assert "at most" in huge.text
    nul = client.post("/checkout/quote", data={**EMPTY, "country": "U\x00S"}, headers=HTMX)
    assert nul.status_code in (400, 422) and nul.status_code != 500
    assert services.db.orders.count_documents({}) == 0


def test_an_empty_cart_gets_no_methods(client: TestClient) -> None:
    response = client.post("/checkout/quote", data={**EMPTY, "country": "US"})
    assert response.status_code == 200
    assert 'name="shippingMethod"' not in response.text and "Place order · $0.00" in response.text
