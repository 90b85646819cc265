"""Variants on the admin's product pages through the real app (issue 14): the main product lists its
variants and adds one, a variant names its main product and is edited by its options, the list marks it."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from shop.catalog.product_input import product_form_values
from shop.services import ShopServices


def test_add_a_variant_on_the_main_products_page_and_edit_it(
    owner_client: Any, services: ShopServices, product_factory: Any
) -> None:
    main = product_factory(name="House Espresso Roast", slug="house-espresso-roast", options={"size": "250 g"})
    mid = str(main["_id"])
    page = owner_client.get(f"/admin/products/{mid}")
    assert page.status_code == 200 and 'id="variants"' in page.text and "No variants." in page.text
    form = {"csrf_token": owner_client.csrf, "variant_options": "size=1 kg", "variant_price": "49.00"}
    added = owner_client.post(f"/admin/products/{mid}/variants", data=form | {"variant_sku": "HER-1000"})
    assert added.status_code == 200 and "The variant was added" in added.text  # followed the redirect
    row = re.search(
        r"<tr><td>1 kg</td><td>HER-1000</td><td class=\"num\">\$49\.00</td><td class=\"num\">0</td>", added.text
    )
    assert row is not None
    variant = services.db.products.find_one({"sku": "HER-1000"})
    assert variant["name"] == "House Espresso Roast (1 kg)" and variant["variantOf"] == main["_id"]

    # The same options again, and a bad price: 422 next to the fields, nothing written.
    refused = owner_client.post(f"/admin/products/{mid}/variants", data=form | {"variant_options": "size=1 kg"})
    assert refused.status_code == 422 and "a variant with these options exists" in refused.text
    assert 'value="size=1 kg"' in refused.text and 'id="field-variant_options-error"' in refused.text
    bad_price = owner_client.post(
        f"/admin/products/{mid}/variants", data=form | {"variant_options": "size=2 kg", "variant_price": "abc"}
    )
    assert bad_price.status_code == 422 and 'id="field-variant_price-error"' in bad_price.text
    assert services.db.products.count_documents({"variantOf": main["_id"]}) == 1

    # The variant's page names its main product; saving new options renames it.
    vid = str(variant["_id"])
    edit = owner_client.get(f"/admin/products/{vid}")
    assert f'Variant of <a href="/admin/products/{mid}">House Espresso Roast</a>' in edit.text
    assert 'id="variants"' not in edit.text
    values = {k: str(v) for k, v in product_form_values(variant).items() if k != "featured"}
    saved = owner_client.post(
        f"/admin/products/{vid}",
        data=values | {"csrf_token": owner_client.csrf, "options": "size=1 kg; grind=ground"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert services.db.products.find_one({"_id": variant["_id"]})["name"] == "House Espresso Roast (1 kg, ground)"
    empty = owner_client.post(f"/admin/products/{vid}", data=values | {"csrf_token": owner_client.csrf, "options": ""})
    assert empty.status_code == 422 and "at least one option" in empty.text

    # The list marks the variant; deleting the main takes it along.
    listing = owner_client.get("/admin/products", params={"q": "espresso"})
    assert listing.text.count("↳ variant") == 1 and "HER-1000" in listing.text
    by_sku = owner_client.get("/admin/products", params={"q": "her-1000"})
    assert "House Espresso Roast (1 kg, ground)" in by_sku.text and "1 product<" in by_sku.text
    owner_client.post(f"/admin/products/{mid}/delete", data={"csrf_token": owner_client.csrf})
    assert services.db.products.find_one({"_id": variant["_id"]})["deletedAt"] is not None


def test_sku_is_checked_on_the_product_form(owner_client: Any, services: ShopServices, product_factory: Any) -> None:
    product_factory(sku="TAKEN-1", name="Other")
    product = product_factory(price=Decimal("10.00"))
    values = {k: str(v) for k, v in product_form_values(product).items() if k != "featured"}
    response = owner_client.post(
        f"/admin/products/{product['_id']}", data=values | {"csrf_token": owner_client.csrf, "sku": "TAKEN-1"}
    )
    assert response.status_code == 422 and "already used by Other" in response.text
    response = owner_client.post(
        f"/admin/products/{product['_id']}", data=values | {"csrf_token": owner_client.csrf, "sku": "bad sku"}
    )
    assert response.status_code == 422 and 'id="field-sku-error"' in response.text
    assert services.db.products.find_one({"_id": product["_id"]}).get("sku") is None


def test_adding_a_variant_to_an_unknown_product_is_404(owner_client: Any) -> None:
    form = {"csrf_token": owner_client.csrf, "variant_options": "size=1 kg", "variant_price": "9.00"}
    assert owner_client.post("/admin/products/0123456789abcdef01234567/variants", data=form).status_code == 404
    assert owner_client.post("/admin/products/nope/variants", data=form).status_code == 404
