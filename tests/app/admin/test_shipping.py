"""Admin: Shipping & tax — edit zones, methods and tax with validation, optimistic saves, and the
warning when the configuration contradicts the policy texts."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from shop.services import ShopServices
from shop.shipping.config_form import flatten


def post(owner_client: Any, values: dict[str, str]) -> Any:
    return owner_client.post(
        "/admin/shipping", data={**values, "csrf_token": owner_client.csrf}, follow_redirects=False
    )


def test_the_page_shows_the_defaults_and_no_warning(owner_client: Any, services: ShopServices) -> None:
    page = owner_client.get("/admin/shipping")
    assert page.status_code == 200
    assert 'value="5.95"' in page.text and 'value="50.00"' in page.text and 'value="express"' in page.text
    assert "policy-warnings" not in page.text
    assert 'href="/admin/shipping"' in page.text


def test_saving_changes_what_checkout_charges_and_warns_about_the_policy(
    owner_client: Any, client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    values = flatten(services.commerce.get())
    values["zones.0.methods.0.price"] = "6.50"
    values |= {"tax_rates.0.country": "US", "tax_rates.0.rate": "5"}
    saved = post(owner_client, values)
    assert saved.status_code == 303
    config = services.commerce.get()
    assert config.version == 1 and config.standard_method.price == Decimal("6.50")  # type: ignore[union-attr]
    page = owner_client.get("/admin/shipping?notice=saved").text
    assert "policy-warnings" in page and "Standard shipping rate" in page
    product = product_factory(price=Decimal("10.00"), stock=3)
    client.post("/cart/items", data={"product_id": str(product["_id"]), "quantity": "1"})
    cart = client.get("/cart").text
    assert "$6.50" in cart and "$0.50" in cart and "$17.00" in cart
    # The same form again is based on version 0: refused, not silently undoing the save.
    stale = post(owner_client, values)
    assert stale.status_code == 409 and "changed meanwhile" in stale.text
    reset = owner_client.post(
        "/admin/shipping/reset", data={"csrf_token": owner_client.csrf, "version": "1"}, follow_redirects=False
    )
    assert reset.status_code == 303 and services.commerce.get().standard_method.price == Decimal("5.95")  # type: ignore[union-attr]


def test_invalid_values_are_shown_beside_their_input(owner_client: Any, services: ShopServices) -> None:
    values = flatten(services.commerce.get())
    values |= {"zones.0.countries": "US, Narnia", "zones.0.methods.1.delivery_days.min": "abc"}
    values |= {"tax_rates.1.country": "US", "tax_rates.1.rate": "7.5555", "returns_damaged_days": "-3"}
    response = post(owner_client, values)
    assert response.status_code == 422
    for field in (
        "zones.0.countries",
        "zones.0.methods.1.delivery_days.min",
        "tax_rates.1.rate",
        "returns_damaged_days",
    ):
        assert re.search(rf'id="field-{re.escape(field)}-error"', response.text), field
    assert 'value="US, Narnia"' in response.text  # the form comes back as typed
    assert services.commerce.get().version == 0


def test_hostile_posts_are_4xx_and_need_the_owner(
    owner_client: Any, client: TestClient, services: ShopServices
) -> None:
    values = flatten(services.commerce.get())
    assert post(owner_client, {**values, "version": "x"}).status_code == 422
    assert post(owner_client, {**values, "zones.0.methods.0.price": "1e999"}).status_code == 422
    assert post(owner_client, {**values, "zones.0.name": "Zone\x00"}).status_code == 422
    assert post(owner_client, {**values, "zones.0.methods.0.name": "x" * 5000}).status_code == 422
    assert owner_client.post("/admin/shipping", data=values, follow_redirects=False).status_code == 403  # no CSRF
    anonymous = client.post("/admin/shipping", data=values, follow_redirects=False)
    assert anonymous.status_code in (303, 401, 403)
    assert services.commerce.get().version == 0
