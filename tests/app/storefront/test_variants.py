"""VARIANTS (issue 14) on the storefront and the API, through the real app and database: the product
page's picker, listing cards, the API's family, sitemap and recommendations, cart to order email."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from shop.services import ShopServices
from tests.support.orders import bought_together
from tests.support.products import variant_of


def espresso_family(product_factory: Any) -> dict[str, dict[str, Any]]:
    """A main product (250 g, $14.95) with a 1 kg and a ground variant, each with its own price,
    SKU and stock; the main product is sold out."""
    main = product_factory(
        name="House Espresso Roast",
        slug="house-espresso-roast",
        price=Decimal("14.95"),
        stock=0,
        options={"size": "250 g"},
        sku="ESP-250",
        description="A chocolatey medium-dark espresso blend.",
    )
    kilo = product_factory(**variant_of(main, {"size": "1 kg"}, price=Decimal("49.00"), stock=7, sku="ESP-1000"))
    ground = product_factory(
        **variant_of(
            main,
            {"size": "250 g", "grind": "ground"},
            name="House Espresso Roast (ground)",
            slug="house-espresso-roast-ground",
            price=Decimal("13.50"),
            stock=2,
            sku="",
        )
    )
    return {"main": main, "kilo": kilo, "ground": ground}


def jsonld(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found is not None
    return json.loads(found.group(1))


def picker(html: str) -> list[tuple[str, bool, str]]:
    """(href, selected, text) of each picker link, in order."""
    nav = re.search(r'<nav class="variant-picker".*?</nav>', html, re.S)
    assert nav is not None, "no variant picker on the page"
    links = re.findall(
        r'<a class="variant-picker__option[^"]*"\s+href="([^"]+)"( aria-current="true")?>(.*?)</a>', nav.group(0), re.S
    )
    return [
        (href, bool(current), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip())
        for href, current, text in links
    ]


def test_a_family_page_offers_each_member_and_sells_the_selected_one(client: TestClient, product_factory: Any) -> None:
    family = espresso_family(product_factory)
    main_page = client.get("/products/house-espresso-roast")
    assert main_page.status_code == 200
    assert picker(main_page.text) == [
        ("/products/house-espresso-roast", True, "250 g $14.95 Sold out"),
        ("/products/house-espresso-roast-ground", False, "250 g, ground $13.50 Only 2 left"),
        ("/products/house-espresso-roast-1-kg", False, "1 kg $49.00 In stock"),
    ]
    assert "Sold out for now" in main_page.text  # the main's own stock state

    kilo_page = client.get("/products/house-espresso-roast-1-kg")
    assert kilo_page.status_code == 200
    assert [selected for _, selected, _ in picker(kilo_page.text)] == [False, False, True]
    html = kilo_page.text
    assert '<link rel="canonical" href="http://127.0.0.1:8000/products/house-espresso-roast">' in html
    assert '<h1 id="product-title" class="product__title">House Espresso Roast (1 kg)</h1>' in html
    assert 'class="product__price price price--large">$49.00<' in html
    # The add-to-cart form is the variant's, limited by its own stock.
    form = re.search(r'<form class="add-to-cart add-to-cart--large".*?</form>', html, re.S)
    assert form is not None
    assert f'name="product_id" value="{family["kilo"]["_id"]}"' in form.group(0) and 'max="7"' in form.group(0)

    data = jsonld(html)
    assert data["@type"] == "ProductGroup" and data["productGroupID"] == "ESP-250"
    assert [(v["sku"], v["offers"]["price"], v["offers"]["availability"]) for v in data["hasVariant"]] == [
        ("ESP-250", "14.95", "https://schema.org/OutOfStock"),
        ("house-espresso-roast-ground", "13.50", "https://schema.org/InStock"),
        ("ESP-1000", "49.00", "https://schema.org/InStock"),
    ]
    assert data["variesBy"] == ["grind", "size"]


def test_a_single_product_has_no_picker_and_stays_a_product(client: TestClient, product_factory: Any) -> None:
    product_factory(name="Earl Grey Supreme", slug="earl-grey-supreme", category="tea", sku="EG-1")
    html = client.get("/products/earl-grey-supreme").text
    assert "variant-picker" not in html
    data = jsonld(html)
    assert data["@type"] == "Product" and data["sku"] == "EG-1"
    assert '<link rel="canonical" href="http://127.0.0.1:8000/products/earl-grey-supreme">' in html


def test_the_page_follows_a_members_price_and_stock(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    """The main's page shows the variants' prices: a variant's new price is a new page (the cache
    key holds every member's version)."""
    family = espresso_family(product_factory)
    assert "$49.00" in client.get("/products/house-espresso-roast").text
    services.db.products.update_one(
        {"_id": family["kilo"]["_id"]}, {"$set": {"price": Decimal("45.00"), "updatedAt": datetime.now(UTC)}}
    )
    services.catalog.invalidate()
    html = client.get("/products/house-espresso-roast").text
    assert "$45.00" in html and "$49.00" not in html


def test_listing_shows_the_family_once_from_its_cheapest_price_and_in_stock(
    client: TestClient, product_factory: Any
) -> None:
    espresso_family(product_factory)
    product_factory(name="Single Origin Kenya", slug="single-origin-kenya", price=Decimal("16.00"))
    html = client.get("/products", params={"category": "coffee"}).text
    cards = re.findall(r'<article class="product-card([^"]*)">(.*?)</article>', html, re.S)
    by_title = {
        re.search(r'class="product-card__link"[^>]*>([^<]+)<', body).group(1): (cls, body) for cls, body in cards
    }  # type: ignore[union-attr]
    assert set(by_title) == {"House Espresso Roast", "Single Origin Kenya"}
    cls, body = by_title["House Espresso Roast"]
    assert "is-sold-out" not in cls and "Sold out" not in body  # the main is sold out, its variants are not
    assert '<p class="price">from $13.50</p>' in body
    assert 'href="/products/house-espresso-roast">See options' in body
    cls, body = by_title["Single Origin Kenya"]
    assert '<p class="price">$16.00</p>' in body and "from " not in body


def test_api_detail_lists_the_family_and_listings_show_main_products(client: TestClient, product_factory: Any) -> None:
    family = espresso_family(product_factory)
    single = product_factory(name="Single Origin Kenya")
    detail = client.get(f"/api/products/{family['kilo']['_id']}").json()
    assert detail["sku"] == "ESP-1000" and detail["variantOf"] == str(family["main"]["_id"])
    assert detail["options"] == {"size": "1 kg"}
    assert detail["variants"] == [
        {
            "id": str(family["main"]["_id"]),
            "slug": "house-espresso-roast",
            "name": "House Espresso Roast",
            "sku": "ESP-250",
            "options": {"size": "250 g"},
            "price": 14.95,
            "stock": 0,
            "inStock": False,
        },
        {
            "id": str(family["ground"]["_id"]),
            "slug": "house-espresso-roast-ground",
            "name": "House Espresso Roast (ground)",
            "sku": "house-espresso-roast-ground",
            "options": {"size": "250 g", "grind": "ground"},
            "price": 13.5,
            "stock": 2,
            "inStock": True,
        },
        {
            "id": str(family["kilo"]["_id"]),
            "slug": "house-espresso-roast-1-kg",
            "name": "House Espresso Roast (1 kg)",
            "sku": "ESP-1000",
            "options": {"size": "1 kg"},
            "price": 49.0,
            "stock": 7,
            "inStock": True,
        },
    ]
    assert detail["availability"][0]["quantity"] == 7
    assert client.get(f"/api/products/{single['_id']}").json()["variants"] == []

    listed = client.get("/api/products", params={"category": "coffee"}).json()
    assert sorted(p["name"] for p in listed["items"]) == ["House Espresso Roast", "Single Origin Kenya"]
    assert listed["total"] == 2
    found = client.get("/api/products", params={"q": "espresso 1 kg"}).json()
    assert [p["name"] for p in found["items"]][:1] == ["House Espresso Roast"]
    assert all(p["variantOf"] is None for p in found["items"])


def test_sitemap_lists_main_products_only(client: TestClient, product_factory: Any) -> None:
    espresso_family(product_factory)
    sitemap = client.get("/sitemap.xml").text
    assert "/products/house-espresso-roast<" in sitemap
    assert "house-espresso-roast-1-kg" not in sitemap and "house-espresso-roast-ground" not in sitemap


def test_recommendations_never_offer_the_same_family_and_show_main_products(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    family = espresso_family(product_factory)
    grinder = product_factory(name="Burr Grinder", category="equipment", stock=5)
    # The 1 kg bag is bought with the grinder: the grinder's page suggests the espresso (its main
    # product, once), and the espresso's pages never suggest one of their own family.
    bought_together(services.db, [grinder, family["kilo"], family["ground"]], times=4)
    services.recommender.copurchase.refresh(full=True)  # type: ignore[union-attr]
    together = services.recommender.bought_together(str(grinder["_id"]), 4)
    assert [p.name for p in together] == ["House Espresso Roast"]
    for member in family.values():
        related = services.recommender.bought_together(str(member["_id"]), 4)
        similar = services.recommender.similar(str(member["_id"]), 8)
        shown = {p.family_id for p in related + similar}
        assert str(family["main"]["_id"]) not in shown
        assert all(p.variant_of is None for p in related + similar)
    assert [p.name for p in related] == ["Burr Grinder"]


def test_cart_checkout_confirmation_and_email_name_the_variant(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    family = espresso_family(product_factory)
    kilo = family["kilo"]
    client.post("/cart/items", data={"product_id": str(kilo["_id"]), "quantity": "2"})
    cart = client.get("/cart").text
    assert "House Espresso Roast (1 kg)" in cart and "$98.00" in cart
    form = client.get("/checkout")
    assert "House Espresso Roast (1 kg)" in form.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.text)
    assert key is not None
    placed = client.post(
        "/checkout",
        data={
            "customerName": "Ada",
            "email": "ada@example.com",
            "address": "12 Analytical St, London",
            "idempotency_key": key.group(1),
        },
        follow_redirects=False,
    )
    assert placed.status_code == 303
    confirmation = client.get(placed.headers["location"]).text
    assert "House Espresso Roast (1 kg)" in confirmation and "$98.00" in confirmation
    order = services.db.orders.find_one({})
    assert order is not None
    assert services.db.products.find_one({"_id": kilo["_id"]})["stock"] == 5
    assert services.db.products.find_one({"_id": family["main"]["_id"]})["stock"] == 0
    email = services.db.outbox.find_one({"kind": "order_confirmation"})
    assert email is not None and "House Espresso Roast (1 kg)" in email["text"]
    lookup = client.post("/orders/lookup", data={"order_id": order["_id"], "email": "ada@example.com"})
    assert lookup.status_code == 200 and "House Espresso Roast (1 kg)" in lookup.text
