"""Discovery through the real app: suggestions, the new JSON endpoints, reviews, the wishlist,
recommendation rows and the interactions the pages record."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from bson import ObjectId
from fastapi.testclient import TestClient

from shop.discovery.interactions import COLLECTION
from shop.services import ShopServices

HX = {"HX-Request": "true"}


@pytest.fixture
def teas(product_factory: Any) -> dict[str, dict[str, Any]]:
    return {
        "chamomile": product_factory(
            name="Chamomile & Lavender Herbal Blend", slug="chamomile", category="tea", tags=["herbal", "sleep"]
        ),
        "matcha": product_factory(name="Ceremonial Matcha", slug="matcha", category="tea", tags=["green"]),
        "honey": product_factory(name="Acacia Honey", slug="acacia-honey", category="food", tags=["honey"]),
    }


# --- suggestions --------------------------------------------------------------------------------


def test_suggestions_are_typo_tolerant_options(client: TestClient, teas: dict[str, Any]) -> None:
    response = client.get("/search/suggest", params={"q": "camomile"}, headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'role="option"' in response.text and 'href="/products/chamomile"' in response.text
    assert 'href="/products?q=camomile"' in response.text  # "search for ..." entry first
    assert "Ceremonial Matcha" not in response.text

    prefix = client.get("/search/suggest", params={"q": "matc"})  # works as a plain link list too
    assert 'href="/products/matcha"' in prefix.text

    assert client.get("/search/suggest", params={"q": "  "}).text.strip() == ""
    hostile = client.get("/search/suggest", params={"q": "<script>x</script>"})
    assert hostile.status_code == 200 and "<script>x" not in hostile.text
    assert client.get("/search/suggest", params={"q": "x" * 101}).status_code == 422


def test_header_search_is_a_combobox(client: TestClient) -> None:
    page = client.get("/").text
    assert 'role="combobox"' in page and 'aria-controls="search-suggestions"' in page
    assert 'id="search-suggestions"' in page and 'role="listbox"' in page
    assert 'hx-get="/search/suggest"' in page


# --- JSON endpoints -----------------------------------------------------------------------------


def _orders(services: ShopServices, *pairs: tuple[Any, ...], n: int = 3) -> None:
    now = datetime.now(UTC)
    docs = [
        {
            "_id": f"ORD-{ObjectId()}",
            "status": "completed",
            "products": [{"productId": p["_id"], "quantity": 1} for p in pair],
            "createdAt": now,
            "updatedAt": now,
        }
        for pair in pairs
        for _ in range(n)
    ]
    services.db.orders.insert_many(docs)
    services.copurchase.refresh()


def test_api_similar_bought_together_and_recommendations(
    client: TestClient, services: ShopServices, teas: dict[str, Any]
) -> None:
    _orders(services, (teas["matcha"], teas["honey"]))
    matcha = str(teas["matcha"]["_id"])

    together = client.get(f"/api/products/{matcha}/bought-together")
    assert together.status_code == 200
    assert together.json()["strategy"] == "bought-together"
    assert [p["slug"] for p in together.json()["items"]] == ["acacia-honey"]

    similar = client.get("/api/products/chamomile/similar", params={"limit": 2})  # a slug works too
    assert similar.status_code == 200 and len(similar.json()["items"]) <= 2
    assert "chamomile" not in [p["slug"] for p in similar.json()["items"]]

    fresh = client.get("/api/recommendations")
    assert fresh.status_code == 200 and fresh.json()["strategy"] == "trending"
    assert {p["slug"] for p in fresh.json()["items"]} >= {"matcha", "acacia-honey"}

    client.get("/products/matcha")  # now the visitor has a history
    mine = client.get("/api/recommendations", params={"product_id": matcha, "limit": 3})
    assert mine.json()["strategy"] == "personal"
    slugs = [p["slug"] for p in mine.json()["items"]]
    assert slugs[0] == "acacia-honey" and "matcha" not in slugs


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/products/65f000000000000000000000/similar", 404),  # a well-formed id of no product
        ("/api/products/no-such-slug/bought-together", 404),
        ("/api/products/$where/similar", 404),
        ("/api/recommendations?product_id=nope", 404),
        ("/api/products/chamomile/similar?limit=0", 422),
        ("/api/products/chamomile/similar?limit=25", 422),
        ("/api/products/chamomile/bought-together?limit=lots", 422),
        ("/api/recommendations?limit=-1", 422),
    ],
)
def test_api_errors_are_clear_4xx(client: TestClient, teas: dict[str, Any], url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.json()["detail"]


# --- interactions written by the pages ----------------------------------------------------------


def test_pages_record_views_searches_cart_and_purchases(
    client: TestClient, services: ShopServices, teas: dict[str, Any]
) -> None:
    matcha = teas["matcha"]
    client.get("/products/matcha")
    client.get("/products", params={"q": "green tea"})
    client.post("/cart/items", data={"product_id": str(matcha["_id"]), "quantity": "1"})
    form = client.get("/checkout").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form)
    assert key is not None
    placed = client.post(
        "/checkout",
        data={
            "customerName": "Ann Buyer",
            "email": "Ann@Example.com",
            "address": "1 Tea Street, Leafton",
            "idempotency_key": key.group(1),
        },
        follow_redirects=False,
    )
    assert placed.status_code == 303
    client.post("/wishlist/items", data={"product_id": str(teas["honey"]["_id"]), "action": "add"})
    assert services.interactions.flush()
    docs = list(services.db[COLLECTION].find({}).sort("at", 1))
    assert [d["type"] for d in docs] == ["view", "search", "cart", "purchase", "wishlist"]
    session = client.cookies.get("aishop_sid")
    assert all(d["visitorId"] == session for d in docs)
    assert docs[1]["query"] == "green tea"
    assert docs[3]["customerEmail"] == "ann@example.com" and docs[3]["productId"] == matcha["_id"]


def test_home_shows_trending_then_recommended_for_you(
    client: TestClient, services: ShopServices, teas: dict[str, Any]
) -> None:
    _orders(services, (teas["matcha"], teas["honey"]))
    first = client.get("/").text
    assert "Trending now" in first and "Recommended for you" not in first
    client.get("/products/matcha")
    again = client.get("/").text
    assert "Recommended for you" in again and "Acacia Honey" in again


def test_a_first_time_visitors_home_is_shared_until_best_sellers_or_products_change(
    client: TestClient, services: ShopServices, teas: dict[str, Any]
) -> None:
    before = client.get("/").text
    assert client.get("/").text == before  # reused: a new render would number its wishlist toggles anew

    _orders(services, (teas["matcha"], teas["honey"]))  # best sellers move; the catalog does not
    trending = client.get("/").text
    assert "Trending now" in trending and "Ceremonial Matcha" in trending
    assert "Trending now" not in before

    services.db.products.update_one(
        {"_id": teas["matcha"]["_id"]}, {"$set": {"name": "Ceremonial Uji Matcha", "updatedAt": datetime.now(UTC)}}
    )
    services.catalog.invalidate()
    assert "Ceremonial Uji Matcha" in client.get("/").text


# --- product page -------------------------------------------------------------------------------


def test_product_page_shows_bought_together_similar_and_summary(
    client: TestClient, services: ShopServices, teas: dict[str, Any]
) -> None:
    _orders(services, (teas["matcha"], teas["honey"]))
    page = client.get("/products/matcha")
    assert page.status_code == 200
    assert "Frequently bought together" in page.text and "Acacia Honey" in page.text
    assert "Similar products" in page.text
    assert 'id="review-form"' in page.text and "Write a review" in page.text
    assert client.get("/products/matcha", params={"reviews": "random"}).status_code == 422


def _card_slugs(html: str) -> list[str]:
    return re.findall(r'class="product-card__link" href="/products/([^"]+)"', html)


def _section(page: str, title_id: str) -> str:
    match = re.search(rf'<section class="section recs" aria-labelledby="{title_id}">.*?</section>', page, re.S)
    return match.group(0) if match else ""


def test_recommended_for_you_is_a_fragment_of_the_visitors_own(
    client: TestClient, services: ShopServices, teas: dict[str, Any], product_factory: Any
) -> None:
    """The product page is shared; "Recommended for you" is loaded after it, per visitor."""
    greens = [
        product_factory(name=f"Green Tea No. {n}", slug=f"green-{n}", category="tea", tags=["green"]) for n in range(8)
    ]
    _orders(services, (teas["matcha"], teas["honey"]))
    url = "/products/matcha/for-you"
    assert client.get(url, headers=HX).text == ""  # a new visitor: nothing personal yet

    client.post("/cart/items", data={"product_id": str(greens[0]["_id"]), "quantity": "1"})
    page = client.get("/products/matcha").text  # the view makes a history
    assert "Recommended for you" not in page
    assert f'hx-get="{url}" hx-trigger="load" hx-swap="outerHTML"' in page
    fragment = client.get(url, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'aria-labelledby="for-you-title"' in fragment.text
    assert '<h2 id="for-you-title">Recommended for you</h2>' in fragment.text
    picks = _card_slugs(fragment.text)
    shown = _card_slugs(_section(page, "together-title")) + _card_slugs(_section(page, "similar-title"))
    assert "acacia-honey" in shown  # bought together with matcha
    assert picks and not set(picks) & {*shown, "matcha", "green-0"}  # nor the product itself or the cart

    # The same URL for another visitor: not a cached copy of the first one's row.
    assert TestClient(client.app).get(url, headers=HX).text == ""
    # Without HTMX (no JavaScript nobody asks for it; a no-JS form returning here): the product page.
    plain = client.get(url, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/products/matcha"
    assert client.get("/products/nope/for-you", headers=HX).status_code == 404


def test_review_form_creates_then_edits_one_review_and_escapes_it(
    client: TestClient, services: ShopServices, teas: dict[str, Any]
) -> None:
    url = "/products/matcha/reviews"
    posted = client.post(
        url,
        data={"rating": "5", "text": "<b>Bold</b> umami, smooth and sweet.", "authorName": "<i>Mallory</i>"},
        follow_redirects=False,
    )
    assert posted.status_code == 303 and posted.headers["location"] == "/products/matcha#reviews"
    page = client.get("/products/matcha").text
    assert "&lt;b&gt;Bold&lt;/b&gt; umami" in page and "<b>Bold</b>" not in page and "<i>Mallory</i>" not in page
    assert "Edit your review" in page and "Update review" in page
    product = services.catalog.by_slug("matcha")
    assert product is not None and (product.rating, product.review_count) == (5.0, 1)

    edited = client.post(
        url, data={"rating": "3", "text": "On second thought, just fine.", "authorName": "M"}, headers=HX
    )
    assert edited.status_code == 200 and "Your review is saved" in edited.text and "<html" not in edited.text
    assert services.db.reviews.count_documents({"productId": teas["matcha"]["_id"]}) == 1
    product = services.catalog.by_slug("matcha")
    assert product is not None and (product.rating, product.review_count) == (3.0, 1)


def test_invalid_reviews_get_422_with_messages(client: TestClient, teas: dict[str, Any]) -> None:
    url = "/products/matcha/reviews"
    page = client.post(url, data={"rating": "", "text": "short", "authorName": ""})
    assert page.status_code == 422 and "<html" in page.text
    assert "Please choose a rating" in page.text and "at least 10 characters" in page.text
    fragment = client.post(url, data={"rating": "9", "text": "Long enough text here.", "authorName": "A"}, headers=HX)
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert fragment.headers["HX-Retarget"] == "#reviews" and "Please choose a rating" in fragment.text
    assert client.post("/products/no-such-product/reviews", data={}).status_code == 404


def test_reviews_sort_fragment(client: TestClient, services: ShopServices, teas: dict[str, Any]) -> None:
    for name, rating in (("Low", 1), ("High", 5), ("Mid", 3)):
        services.db.reviews.insert_one(
            {
                "productId": teas["matcha"]["_id"],
                "authorName": name,
                "rating": rating,
                "text": "Some words about it.",
                "hidden": False,
                "createdAt": datetime.now(UTC),
            }
        )
    fragment = client.get("/products/matcha/reviews", params={"sort": "lowest"}, headers=HX).text
    assert fragment.index(">Low<") < fragment.index(">Mid<") < fragment.index(">High<")
    plain = client.get("/products/matcha/reviews", params={"sort": "highest"}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/products/matcha?reviews=highest#reviews"
    assert client.get("/products/matcha/reviews", params={"sort": "best"}, headers=HX).status_code == 422


# --- wishlist -----------------------------------------------------------------------------------


def test_wishlist_toggle_with_htmx_and_without(client: TestClient, teas: dict[str, Any]) -> None:
    pid = str(teas["honey"]["_id"])
    uid = f"wish-{pid}-123456"
    added = client.post("/wishlist/items", data={"product_id": pid, "action": "add", "uid": uid}, headers=HX)
    assert added.status_code == 200
    assert 'aria-pressed="true"' in added.text and f'id="{uid}"' in added.text  # focus survives the swap
    assert 'hx-swap-oob="innerHTML"' in added.text and "Saved" in added.text
    catalog = client.get("/products").text
    assert re.search(rf'value="{pid}">\s*<input type="hidden" name="action" value="remove">', catalog)
    assert "Acacia Honey" in client.get("/wishlist").text

    removed = client.post(
        "/wishlist/items",
        data={"product_id": pid, "action": "remove", "next": "/products?q=honey"},
        follow_redirects=False,
    )
    assert removed.status_code == 303 and removed.headers["location"] == "/products?q=honey"
    assert "Your wishlist is empty" in client.get("/wishlist").text
    evil = client.post("/wishlist/items", data={"product_id": pid, "next": "//evil.example"}, follow_redirects=False)
    assert evil.headers["location"] == "/wishlist"

    assert client.post("/wishlist/items", data={"product_id": "nope"}).status_code == 404
    assert client.post("/wishlist/items", data={"product_id": pid, "action": "explode"}).status_code == 422


def test_wishlist_email_and_unsubscribe(client: TestClient, services: ShopServices) -> None:
    bad = client.post("/wishlist/email", data={"email": "not-an-email"})
    assert bad.status_code == 422 and "not a valid email address" in bad.text
    good = client.post("/wishlist/email", data={"email": "Ann@Example.com"}, follow_redirects=False)
    assert good.status_code == 303
    page = client.get(good.headers["location"]).text
    assert "ann@example.com" in page and "We will email you" in page
    token = services.db.wishlist_contacts.find_one({})["token"]  # type: ignore[index]
    confirm = client.get(f"/wishlist/unsubscribe/{token}")
    assert confirm.status_code == 200 and "Stop wishlist emails" in confirm.text
    assert services.db.wishlist_contacts.count_documents({}) == 1  # a GET (mail scanner) changes nothing
    done = client.post(f"/wishlist/unsubscribe/{token}")
    assert done.status_code == 200 and services.db.wishlist_contacts.count_documents({}) == 0
    assert client.get("/wishlist/unsubscribe/x").status_code == 404


def test_price_drop_reaches_the_outbox_through_the_app(
    client: TestClient, services: ShopServices, teas: dict[str, Any]
) -> None:
    honey = teas["honey"]
    client.post("/wishlist/items", data={"product_id": str(honey["_id"]), "action": "add"})
    client.post("/wishlist/email", data={"email": "ann@example.com"})
    services.db.products.update_one(
        {"_id": honey["_id"]}, {"$set": {"price": Decimal("7.00"), "updatedAt": datetime.now(UTC)}}
    )
    client.get("/products/acacia-honey")  # any request refreshes the catalog snapshot
    client.get("/products/acacia-honey")
    assert services.wishlist.wait_idle()
    assert services.db.outbox.count_documents({"kind": "wishlist_price_drop", "to": "ann@example.com"}) == 1
