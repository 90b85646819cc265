"""Storefront pages through the real app and database: rendering, HTMX fragments, forms, SEO."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.routes.storefront import catalog
from app.routes.storefront.catalog import prerender_listing_pages, prerender_product_pages
from app.templating import PageCache
from shop.ordering.orders import OrderRequest
from shop.services import ShopServices
from tests.support.orders import bought_together, order_body

HX = {"HX-Request": "true"}


def csrf_free_post(client: TestClient, url: str, data: dict[str, str], **kwargs: Any) -> Any:
    return client.post(url, data=data, follow_redirects=False, **kwargs)


def test_home_lists_featured_products_and_categories(client: TestClient, product_factory: Any) -> None:
    product_factory(name="Featured Ethiopia Guji", featured=True, rating=4.8)
    page = client.get("/")
    assert page.status_code == 200
    assert "Featured Ethiopia Guji" in page.text
    assert 'href="/products?category=tea"' in page.text
    assert "/static/htmx.min.js" in page.text
    assert re.search(r"<title>[^<]+</title>", page.text)
    assert 'rel="canonical"' in page.text and 'property="og:title"' in page.text


def test_catalog_filters_full_page_and_htmx_fragment(client: TestClient, product_factory: Any) -> None:
    product_factory(name="Rooibos Vanilla", category="tea", price=Decimal("8.00"))
    product_factory(name="Big Tin Assam", category="tea", price=Decimal("40.00"))
    product_factory(name="Kenya Peaberry", category="coffee", price=Decimal("15.00"))

    page = client.get("/products", params={"category": "tea", "max_price": "20", "min_price": ""})
    assert page.status_code == 200
    assert "Rooibos Vanilla" in page.text
    assert "Big Tin Assam" not in page.text and "Kenya Peaberry" not in page.text
    assert "<html" in page.text

    fragment = client.get("/products", params={"q": "kenya"}, headers=HX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "Kenya Peaberry" in fragment.text
    assert "Rooibos Vanilla" not in fragment.text


def test_catalog_pagination_links_keep_filters(client: TestClient, product_factory: Any) -> None:
    for n in range(30):
        product_factory(name=f"Tea number {n:02d}", category="tea")
    page = client.get("/products", params={"category": "tea", "sort": "name"})
    assert "Tea number 00" in page.text and "Tea number 29" not in page.text
    assert "/products?category=tea&amp;sort=name&amp;page=2" in page.text
    second = client.get("/products", params={"category": "tea", "sort": "name", "page": "2"})
    assert "Tea number 29" in second.text


def test_catalog_pages_are_reused_only_while_nothing_they_show_changed(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    """Listing pages are kept per catalog snapshot, cart count and wishlist (app.templating.PageCache)."""
    product = product_factory(name="Sencha Asahi", category="tea", price=Decimal("12.00"), stock=8)
    url = "/products?category=tea"
    first = client.get(url)
    assert "$12.00" in first.text and client.get(url).text == first.text
    # A price change reaches the next request: the catalog refresh makes a new snapshot.
    services.db.products.update_one(
        {"_id": product["_id"]}, {"$set": {"price": Decimal("9.50"), "updatedAt": datetime.now(UTC)}}
    )
    services.catalog.invalidate()
    assert "$9.50" in client.get(url).text and "$12.00" not in client.get(url).text
    # Another visitor with a cart sees their own badge, and this visitor's page is not theirs.
    other = TestClient(client.app)  # its own cookie jar: another visitor
    other.post("/cart/items", data={"product_id": str(product["_id"]), "quantity": "2"}, headers=HX)
    badge = re.compile(r'id="cart-count">(\d+)<')
    assert badge.findall(other.get(url).text) == ["2"]
    assert badge.findall(client.get(url).text) == ["0"]
    # An HTMX request gets the fragment, a plain one the page, from the same URL.
    assert "<html" not in client.get(url, headers=HX).text and "<html" in client.get(url).text


def test_page_cache_builds_a_page_once_for_concurrent_visitors_and_again_for_a_new_snapshot() -> None:
    cache, builds = PageCache(), []

    def build() -> bytes:
        builds.append(1)
        time.sleep(0.2)  # every other thread misses meanwhile
        return b"<page>"

    threads = [threading.Thread(target=cache.page, args=((1, 1), ("k",), build)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert cache.page((1, 1), ("k",), build) == b"<page>" and len(builds) == 1
    cache.page((2, 1), ("k",), build)  # a new catalog version renders again
    cache.page((2, 2), ("k",), build)  # so does a new search index version
    assert len(builds) == 3


def test_bad_catalog_parameters_show_a_friendly_422(client: TestClient) -> None:
    page = client.get("/products", params={"min_price": "lots"})
    assert page.status_code == 422
    assert "Traceback" not in page.text and "min_price" in page.text


def test_product_page_has_seo_and_escapes_review_html(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(
        name="Yunnan Gold </script>", slug="yunnan-gold", price=Decimal("18.50"), reviewCount=1, rating=5.0
    )
    services.db.reviews.insert_one(
        {
            "productId": product["_id"],
            "authorName": "<b>Mallory</b>",
            "rating": 5,
            "text": "<script>alert('x')</script> Lovely malty cup.",
            "hidden": False,
            "createdAt": product["createdAt"],
        }
    )
    page = client.get("/products/yunnan-gold")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
    assert "<b>Mallory</b>" not in page.text
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S)
    assert match is not None
    data = json.loads(match.group(1))
    assert data["@type"] == "Product" and data["offers"]["price"] == "18.50"
    assert data["name"] == "Yunnan Gold </script>"
    assert 'rel="canonical" href="http://127.0.0.1:8000/products/yunnan-gold"' in page.text
    assert 'property="og:image"' in page.text
    assert client.get("/products/no-such-thing").status_code == 404


def _heart_id(page: str, product: dict[str, Any]) -> str:
    """The product page's own wishlist button: its id is drawn at random per render, so two answers
    with the same id are one render, reused."""
    found = re.findall(rf'id="(wish-{product["_id"]}-\d+)" type="submit" class="wishlist-toggle__button button', page)
    assert len(found) == 1
    return found[0]


def test_product_page_is_reused_until_something_it_shows_changes(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    """Product pages are kept per version of what they show, vector index and co-purchase data
    (app.state.product_page_cache); a change to any of them shows on the next request, a change to
    a product they do not show keeps them."""
    sencha = product_factory(name="Sencha Asahi", slug="sencha", category="tea", price=Decimal("12.00"), stock=8)
    kettle = product_factory(name="Cast Iron Kettle", slug="kettle", category="food")
    url = "/products/sencha"
    first = client.get(url).text
    again = client.get(url).text
    assert again == first and _heart_id(again, sencha) == _heart_id(first, sencha)
    assert TestClient(client.app).get(url).text == first  # another visitor with nothing of their own

    services.db.products.update_one(
        {"_id": sencha["_id"]}, {"$set": {"price": Decimal("9.50"), "updatedAt": datetime.now(UTC)}}
    )
    services.catalog.invalidate()
    page = client.get(url).text
    assert "$9.50" in page and "$12.00" not in page and _heart_id(page, sencha) != _heart_id(first, sencha)

    services.db.products.update_one({"_id": sencha["_id"]}, {"$set": {"stock": 0, "updatedAt": datetime.now(UTC)}})
    services.catalog.invalidate()
    assert "Sold out for now" in client.get(url).text

    # Another visitor's new review (it moves the product's version: a new snapshot).
    reviewer = TestClient(client.app)
    reviewer.post(
        url + "/reviews", data={"rating": "4", "text": "Grassy and bright, lovely cold.", "authorName": "Bea"}
    )
    page = client.get(url).text
    assert "Grassy and bright, lovely cold." in page and "1 review" in page

    # New co-purchase statistics with no product changed: the next request shows them too.
    assert "Frequently bought together" not in page
    bought_together(services.db, [sencha, kettle])
    services.copurchase.refresh()
    page = client.get(url).text
    assert "Frequently bought together" in page and "Cast Iron Kettle" in page

    # An order of a product the page does not show keeps the page (a new snapshot, same versions)...
    honey = product_factory(name="Heather Honey", slug="honey", category="food", stock=5)
    services.catalog.invalidate()
    page = client.get(url).text
    services.orders.place(
        OrderRequest(
            customerName="Ann",
            email="ann@example.com",
            address="1 Hive Lane, Bristol",
            items=[{"productId": str(honey["_id"]), "quantity": 1}],
        )
    )
    assert client.get(url).text == page
    # ...and a change to a product in one of its rows shows.
    services.db.products.update_one(
        {"_id": kettle["_id"]}, {"$set": {"price": Decimal("77.00"), "updatedAt": datetime.now(UTC)}}
    )
    services.catalog.invalidate()
    assert "$77.00" in client.get(url).text


def test_product_page_never_shows_a_visitor_what_is_anothers(client: TestClient, product_factory: Any) -> None:
    """The cart badge, the pressed heart and the prefilled review form are in the cache key."""
    sencha = product_factory(name="Sencha Asahi", slug="sencha", category="tea", stock=8)
    url = "/products/sencha"
    badge = re.compile(r'id="cart-count">(\d+)<')
    own_text = re.compile(r'<textarea id="field-text"[^>]*>([^<]*)</textarea>')
    shopper = TestClient(client.app)
    shopper.post("/cart/items", data={"product_id": str(sencha["_id"]), "quantity": "2"}, headers=HX)
    shopper.post("/wishlist/items", data={"product_id": str(sencha["_id"]), "action": "add"}, headers=HX)
    theirs = shopper.get(url).text
    assert badge.findall(theirs) == ["2"] and 'aria-pressed="true"' in theirs
    mine = client.get(url).text  # after theirs was stored
    assert badge.findall(mine) == ["0"] and 'aria-pressed="true"' not in mine

    # A reviewer with no cart or wishlist: only their review tells their page from everybody's.
    reviewer = TestClient(client.app)
    reviewer.post(url + "/reviews", data={"rating": "5", "text": "My own words on this tea.", "authorName": "Me"})
    theirs = reviewer.get(url).text
    assert "Edit your review" in theirs and own_text.findall(theirs) == ["My own words on this tea."]
    mine = client.get(url).text
    assert "Write a review" in mine and own_text.findall(mine) == [""]
    assert "My own words on this tea." in mine  # in the list of reviews, as for everybody

    reviewer.post(url + "/reviews", data={"rating": "4", "text": "Second thoughts on this tea.", "authorName": "Me"})
    assert own_text.findall(reviewer.get(url).text) == ["Second thoughts on this tea."]
    assert own_text.findall(client.get(url).text) == [""]
    assert badge.findall(shopper.get(url).text) == ["2"]


def test_cart_flow_without_javascript(client: TestClient, services: ShopServices, product_factory: Any) -> None:
    product = product_factory(name="Darjeeling First Flush", price=Decimal("21.00"), stock=4)
    response = csrf_free_post(client, "/cart/items", {"product_id": str(product["_id"]), "quantity": "2"})
    assert response.status_code == 303 and response.headers["location"] == "/cart"
    cart = client.get("/cart")
    assert "Darjeeling First Flush" in cart.text and "$42.00" in cart.text

    response = csrf_free_post(client, f"/cart/items/{product['_id']}", {"quantity": "1"})
    assert response.status_code == 303
    assert "$21.00" in client.get("/cart").text
    csrf_free_post(client, f"/cart/items/{product['_id']}/remove", {})
    assert "Darjeeling First Flush" not in client.get("/cart").text


def test_cart_htmx_updates_the_badge(client: TestClient, product_factory: Any) -> None:
    product = product_factory(name="Matcha Ceremonial", stock=9)
    response = client.post("/cart/items", data={"product_id": str(product["_id"]), "quantity": "3"}, headers=HX)
    assert response.status_code == 200
    assert 'id="cart-count"' in response.text and "hx-swap-oob" in response.text
    assert ">3<" in response.text.replace(" ", "")
    too_many = client.post("/cart/items", data={"product_id": str(product["_id"]), "quantity": "7"}, headers=HX)
    assert too_many.status_code == 409 and "Only 9" in too_many.text
    bad = client.post("/cart/items", data={"product_id": "$gt", "quantity": "1"}, headers=HX)
    assert bad.status_code == 404
    negative = client.post("/cart/items", data={"product_id": str(product["_id"]), "quantity": "-2"}, headers=HX)
    assert negative.status_code == 422 and "between 1 and 99" in negative.text


def test_checkout_validates_fields_inline_then_places_the_order(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(name="Shea Butter Hand Cream", category="beauty", price=Decimal("9.90"), stock=3)
    client.post("/cart/items", data={"product_id": str(product["_id"]), "quantity": "2"})
    form = client.get("/checkout")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.text)
    assert key is not None

    invalid = csrf_free_post(
        client, "/checkout", {"customerName": "", "email": "nope", "address": "x", "idempotency_key": key.group(1)}
    )
    assert invalid.status_code == 422
    assert "is not a valid email address" in invalid.text and "is required" in invalid.text
    assert services.db.orders.count_documents({}) == 0

    good = {
        "customerName": "Ada",
        "email": "ada@example.com",
        "address": "12 Analytical St, London",
        "idempotency_key": key.group(1),
    }
    placed = csrf_free_post(client, "/checkout", good)
    assert placed.status_code == 303
    confirmation_url = placed.headers["location"]
    assert re.fullmatch(r"/orders/ORD-[0-9A-Z]{8}/confirmation", confirmation_url)
    # A double submit of the same form is the same order.
    again = csrf_free_post(client, "/checkout", good)
    assert again.headers.get("location") == confirmation_url or again.status_code == 409
    assert services.db.orders.count_documents({}) == 1
    page = client.get(confirmation_url)
    assert page.status_code == 200 and "Shea Butter Hand Cream" in page.text and "$19.80" in page.text
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 1
    assert "Shea Butter Hand Cream" not in client.get("/cart").text
    # Someone else's browser cannot open the confirmation page.
    with TestClient(client.app) as stranger:
        assert stranger.get(confirmation_url).status_code == 404


def test_checkout_with_short_stock_explains(client: TestClient, services: ShopServices, product_factory: Any) -> None:
    product = product_factory(name="Last Jar", stock=2)
    client.post("/cart/items", data={"product_id": str(product["_id"]), "quantity": "2"})
    services.db.products.update_one({"_id": product["_id"]}, {"$set": {"stock": 1}})
    response = csrf_free_post(
        client,
        "/checkout",
        {"customerName": "Ada", "email": "ada@example.com", "address": "12 Analytical St", "idempotency_key": "k"},
    )
    assert response.status_code == 409 and "Only 1 of Last Jar" in response.text
    assert services.db.orders.count_documents({}) == 0


def test_order_lookup(client: TestClient, services: ShopServices, product_factory: Any) -> None:
    product = product_factory(name="Wildflower Honey", stock=5)
    body = order_body(product["_id"], customerName="Bo", email="bo@example.com", address="3 Hive Lane")
    response = client.post("/api/orders", json=body)
    order_id = response.json()["id"]
    found = client.post("/orders/lookup", data={"order_id": order_id.lower(), "email": "BO@example.com"})
    assert found.status_code == 200 and "Wildflower Honey" in found.text and order_id in found.text
    wrong = client.post("/orders/lookup", data={"order_id": order_id, "email": "eve@example.com"})
    assert wrong.status_code == 404 and "No order matches" in wrong.text
    empty = client.post("/orders/lookup", data={"order_id": "", "email": ""})
    assert empty.status_code == 422


def test_contact_form_stores_and_notifies(client: TestClient, services: ShopServices) -> None:
    invalid = client.post("/contact", data={"name": "", "email": "x", "subject": "Hi", "message": "Hello there"})
    assert invalid.status_code == 422 and "is not a valid email address" in invalid.text
    assert services.db.contact_messages.count_documents({}) == 0
    sent = client.post(
        "/contact",
        data={
            "name": "Eve",
            "email": "eve@example.com",
            "subject": "Wholesale",
            "message": "<i>Do you ship abroad?</i>",
        },
    )
    assert sent.status_code == 200
    assert services.db.contact_messages.count_documents({}) == 1
    assert services.db.outbox.count_documents({"kind": "contact_notification"}) == 1


@pytest.mark.parametrize("path", ["/about", "/contact", "/orders/lookup", "/cart", "/checkout"])
def test_simple_pages_render(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200 and "<main" in page.text and 'name="description"' in page.text


def test_sitemap_and_robots(client: TestClient, product_factory: Any) -> None:
    product_factory(slug="kenya-aa")
    sitemap = client.get("/sitemap.xml")
    assert sitemap.headers["content-type"].startswith("application/xml")
    assert "http://127.0.0.1:8000/products/kenya-aa" in sitemap.text
    robots = client.get("/robots.txt").text
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in robots and "Disallow: /checkout" in robots


def test_unknown_page_is_a_friendly_404(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "<main" in page.text and "Traceback" not in page.text


def test_product_pages_are_pre_rendered_for_first_time_visitors(
    client: TestClient, services: ShopServices, product_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    product_factory(name="Sencha Asahi", slug="sencha", category="tea")
    product_factory(name="Heather Honey", slug="honey", category="food")
    gone = product_factory(name="Old Blend", slug="old-blend")
    services.db.products.update_one({"_id": gone["_id"]}, {"$set": {"deletedAt": datetime.now(UTC)}})
    services.catalog.invalidate()
    stopped = threading.Event()
    stopped.set()
    assert prerender_product_pages(client.app, stopped) == 0
    assert prerender_product_pages(client.app) == 2  # not the deleted one

    def no_render(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("rendered again")

    monkeypatch.setattr(catalog, "render", no_render)
    page = TestClient(client.app).get("/products/sencha")  # a new visitor, with a new session
    assert page.status_code == 200 and "Sencha Asahi" in page.text and 'id="cart-count">0<' in page.text


def test_listing_pages_are_pre_rendered_for_first_time_visitors(
    client: TestClient, services: ShopServices, product_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(services.settings.page_size + 1):  # two pages of the whole catalog
        product_factory(name=f"Estate Tea No. {n:02d}", category="tea")
    product_factory(name="Heather Honey", slug="honey", category="food")
    for _ in range(2):
        services.interactions.record("a" * 32, "search", query="honey")
    services.interactions.flush()
    # A search stored by an older version, which the page would now refuse (422): skipped.
    services.db.userInteractions.insert_one({"type": "search", "query": "x" * 101, "at": datetime.now(UTC)})

    # Whole catalog pages 1 and 2, the tea and food categories, the one valid popular search.
    assert prerender_listing_pages(client.app) == 5

    def no_render(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("rendered again")

    monkeypatch.setattr(catalog, "render", no_render)
    visitor = TestClient(client.app)  # a new visitor, with a new session
    for url in ("/products", "/products?page=2", "/products?category=food", "/products?q=honey"):
        page = visitor.get(url)
        assert page.status_code == 200 and 'id="cart-count">0<' in page.text, url
    assert "Heather Honey" in visitor.get("/products?q=honey").text
