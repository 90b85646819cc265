"""VARIANTS (issue 14): a family shares its reviews. A variant's page lists the reviews of every
member and its JSON-LD rates the family; a review written on a variant's page counts for the family
(stored under the main product: one review per visitor and family)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from shop.reviews.product_reviews import recompute_product_rating
from shop.services import ShopServices
from tests.app.storefront.test_variants import espresso_family, jsonld

HX = {"HX-Request": "true"}


def older_review(services: ShopServices, product: dict[str, Any], rating: int, text: str) -> None:
    """A review a member got on its own, before families shared theirs (or imported)."""
    now = datetime.now(UTC)
    services.db.reviews.insert_one(
        {"productId": product["_id"], "rating": rating, "text": text, "authorName": "Old", "hidden": False,
         "createdAt": now, "updatedAt": now, "customerId": None}
    )  # fmt: skip
    recompute_product_rating(services.db, product["_id"])
    services.catalog.invalidate()


def shown_texts(html: str) -> set[str]:
    return set(re.findall(r"(Rich crema[^<]*|Too bitter[^<]*)", html))


def test_a_review_on_a_variant_page_counts_for_the_whole_family(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    family = espresso_family(product_factory)
    older_review(services, family["ground"], 2, "Too bitter when ground this fine.")

    posted = client.post(
        "/products/house-espresso-roast-1-kg/reviews",
        data={"rating": "5", "text": "Rich crema, lasts a month.", "authorName": "Ann"},
        follow_redirects=False,
    )

    assert posted.status_code == 303 and posted.headers["location"] == "/products/house-espresso-roast-1-kg#reviews"
    stored = list(services.db.reviews.find({"authorName": "Ann"}))
    assert [doc["productId"] for doc in stored] == [family["main"]["_id"]]  # the family's review
    for slug in ("house-espresso-roast", "house-espresso-roast-1-kg", "house-espresso-roast-ground"):
        html = client.get(f"/products/{slug}").text
        assert shown_texts(html) == {"Rich crema, lasts a month.", "Too bitter when ground this fine."}, slug
        assert "Based on 2 reviews" in html and '<span class="reviews__average">3.5</span>' in html
        rating = jsonld(html)["aggregateRating"]
        assert (rating["ratingValue"], rating["reviewCount"]) == (3.5, 2)
    main = services.catalog.by_slug("house-espresso-roast")
    assert main is not None and (main.rating, main.review_count) == (5.0, 1)  # listings read the main's own


def test_one_visitor_has_one_review_of_a_family_whichever_page_they_write_it_on(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    espresso_family(product_factory)
    first = {"rating": "4", "text": "Rich crema, good value.", "authorName": "Ann"}
    assert client.post("/products/house-espresso-roast-1-kg/reviews", data=first, headers=HX).status_code == 200
    page = client.get("/products/house-espresso-roast-ground").text
    assert "Edit your review" in page and "Rich crema, good value." in page  # prefilled on another member

    second = {"rating": "2", "text": "Too bitter after all, sorry.", "authorName": "Ann"}
    edited = client.post("/products/house-espresso-roast-ground/reviews", data=second, headers=HX)

    assert edited.status_code == 200 and "Your review is saved" in edited.text
    assert services.db.reviews.count_documents({}) == 1
    html = client.get("/products/house-espresso-roast").text
    assert shown_texts(html) == {"Too bitter after all, sorry."} and "Based on 1 review" in html
    assert jsonld(html)["aggregateRating"] == {"@type": "AggregateRating", "ratingValue": 2.0, "reviewCount": 1}


def test_a_product_without_variants_keeps_its_own_reviews(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    espresso_family(product_factory)
    product_factory(name="Assam Gold", slug="assam-gold")
    review = {"rating": "5", "text": "Rich crema? No, a malty tea.", "authorName": "Bo"}
    assert client.post("/products/assam-gold/reviews", data=review, headers=HX).status_code == 200
    assert "Based on 1 review" in client.get("/products/assam-gold").text
    espresso = client.get("/products/house-espresso-roast").text
    assert "No reviews yet" in espresso and "aggregateRating" not in jsonld(espresso)
