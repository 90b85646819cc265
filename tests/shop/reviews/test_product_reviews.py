"""Reviews: validation, one review per visitor and product, ratings over visible reviews, summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from pydantic import ValidationError
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shop.reviews.moderation import refresh_product_rating
from shop.reviews.product_reviews import (
    ProductReviews,
    ReviewInput,
    recompute_product_rating,
    review_by_visitor,
    submit_review,
    visible_reviews,
)
from shop.reviews.summary import clause_polarity, summarize, words
from shop.services import ShopServices


def review(rating: int, text: str = "A perfectly fine cup of coffee.", name: str = "Ann B.") -> ReviewInput:
    return ReviewInput(rating=rating, text=text, authorName=name)


@pytest.mark.parametrize(
    "values",
    [
        {"rating": 0, "text": "Ten chars or more.", "authorName": "A"},
        {"rating": 6, "text": "Ten chars or more.", "authorName": "A"},
        {"rating": True, "text": "Ten chars or more.", "authorName": "A"},
        {"rating": "five", "text": "Ten chars or more.", "authorName": "A"},
        {"rating": 4, "text": "Too short", "authorName": "A"},
        {"rating": 4, "text": "x" * 2001, "authorName": "A"},
        {"rating": 4, "text": "Ten chars or more.", "authorName": ""},
        {"rating": 4, "text": "Ten chars or more.", "authorName": "$where"},
        {"rating": 4, "text": "Ten chars or more.", "authorName": "A", "hidden": True},
    ],
)
def test_review_input_is_validated(values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ReviewInput.model_validate(values)


def test_review_input_accepts_form_strings_and_multiline_text() -> None:
    parsed = ReviewInput.model_validate({"rating": "4", "text": "  Good.\r\nWould buy again.  ", "authorName": " Bo "})
    assert (parsed.rating, parsed.text, parsed.authorName) == (4, "Good.\nWould buy again.", "Bo")


def test_one_review_per_visitor_the_second_submit_edits_it(services: ShopServices, product_factory: Any) -> None:
    db = services.db  # with the shop's indexes
    product = product_factory()
    pid = str(product["_id"])
    first, created = submit_review(db, pid, "visitor-1", review(2, "Not my thing at all, sorry."))
    assert created and first.rating == 2 and not first.edited
    second, created = submit_review(db, pid, "visitor-1", review(5, "Changed my mind: it is lovely."))
    assert not created and second.id == first.id and second.edited
    assert db.reviews.count_documents({"productId": product["_id"]}) == 1
    submit_review(db, pid, "visitor-2", review(4))
    stored = db.products.find_one({"_id": product["_id"]})
    assert stored is not None
    assert (stored["rating"], stored["reviewCount"]) == (4.5, 2)
    assert stored["updatedAt"] > product["updatedAt"]  # the catalog snapshot picks the figures up
    mine = review_by_visitor(db, pid, "visitor-1")
    assert mine is not None and mine.text == "Changed my mind: it is lovely."
    with pytest.raises(DuplicateKeyError):  # the database enforces the rule too
        db.reviews.insert_one({"productId": product["_id"], "visitorId": "visitor-1", "rating": 1})
    # Reviews without a visitor (imported, by customers) are not affected by the unique index.
    db.reviews.insert_many([{"productId": product["_id"], "visitorId": None, "rating": 3} for _ in range(2)])


def test_hidden_reviews_are_excluded_from_average_and_listing(db: Database, product_factory: Any) -> None:
    product = product_factory()
    pid = str(product["_id"])
    now = datetime.now(UTC)
    db.reviews.insert_one(
        {
            "productId": product["_id"],
            "authorName": "Spam",
            "rating": 1,
            "text": "Visit my site!!",
            "hidden": True,
            "createdAt": now,
        }
    )
    submit_review(db, pid, "v1", review(5))
    submit_review(db, pid, "v2", review(4))
    submit_review(db, pid, "v3", review(4))
    stored = db.products.find_one({"_id": product["_id"]})
    assert stored is not None
    assert (stored["rating"], stored["reviewCount"]) == (4.33, 3)  # rounded to 2 decimals, spam excluded
    assert all(r.author_name != "Spam" for r in visible_reviews(db, pid))

    # The owner hides one (shop.reviews.moderation does this in a transaction); the same aggregate follows.
    db.reviews.update_one({"visitorId": "v1"}, {"$set": {"hidden": True}})
    assert recompute_product_rating(db, pid) == (4.0, 2)
    # Its author edits it: it stays hidden.
    submit_review(db, pid, "v1", review(5, "Still the best thing I ever bought."))
    assert db.reviews.find_one({"visitorId": "v1"})["hidden"] is True  # type: ignore[index]
    assert db.products.find_one({"_id": product["_id"]})["reviewCount"] == 2  # type: ignore[index]


def test_reviews_sort_newest_highest_lowest(db: Database, product_factory: Any) -> None:
    product = product_factory()
    start = datetime.now(UTC) - timedelta(days=10)
    db.reviews.insert_many(
        [
            {
                "productId": product["_id"],
                "authorName": n,
                "rating": r,
                "text": "x" * 12,
                "hidden": False,
                "createdAt": start + timedelta(days=d),
            }
            for n, r, d in (("old-5", 5, 0), ("mid-2", 2, 1), ("new-4", 4, 2), ("newer-2", 2, 3))
        ]
    )
    pid = str(product["_id"])
    assert [r.author_name for r in visible_reviews(db, pid, sort="newest")] == ["newer-2", "new-4", "mid-2", "old-5"]
    assert [r.author_name for r in visible_reviews(db, pid, sort="highest")] == ["old-5", "new-4", "newer-2", "mid-2"]
    assert [r.author_name for r in visible_reviews(db, pid, sort="lowest")] == ["newer-2", "mid-2", "new-4", "old-5"]


# --- summaries ----------------------------------------------------------------------------------


def test_clause_polarity_handles_negation_and_too() -> None:
    assert clause_polarity(words("Smooth and lovely")) > 0
    assert clause_polarity(words("never bitter")) > 0
    assert clause_polarity(words("too sweet for me")) < 0
    assert clause_polarity(words("tasted stale")) < 0


def test_summary_finds_shared_points_and_complaints() -> None:
    texts = [
        (5, "Smooth body and lovely chocolate notes. Will buy again."),
        (5, "Really smooth, with chocolate notes in every cup."),
        (4, "Chocolate notes come through, smooth finish."),
        (5, "Lovely chocolate notes; a smooth morning coffee."),
        (2, "Too bitter for me, and the bag arrived crushed."),
        (2, "Way too bitter even with milk."),
        (5, "Smooth and never bitter. <script>alert(1)</script> Chocolate notes!"),
    ]
    summary = summarize(texts)
    assert summary.sentiment == "positive" and summary.review_count == 7
    assert "chocolate notes" in summary.positives and "smooth" in summary.positives
    assert "too bitter" in summary.negatives
    assert summary.text.startswith("Customers mention ")
    assert "A few mention too bitter" in summary.text or "Some mention too bitter" in summary.text
    assert "<" not in summary.text and "script" not in summary.positives  # only words survive


def test_summary_overall_sentiment_follows_the_ratings() -> None:
    assert summarize([(1, "Stale and flat, sadly."), (2, "Weak and dusty leaves.")]).sentiment == "negative"
    assert summarize([(3, "It is fine."), (4, "Nice enough tea.")]).sentiment == "mixed"
    assert summarize([]).sentiment == "none"


def test_page_reviews_follow_every_change_of_the_product(services: ShopServices, product_factory: Any) -> None:
    """The product page reads reviews per product version: a submit, an edit and the owner's hiding
    (here the moderation's own rating refresh) each show on the next read."""
    db = services.db
    reader = ProductReviews(db)
    pid = str(product_factory()["_id"])

    def current() -> Any:
        services.catalog.invalidate()
        product = services.catalog.get(pid)
        assert product is not None
        return product

    assert reader.summary(current()) is None and reader.visible(current()) == []
    for i, text in enumerate(["Smooth with honey sweetness.", "Smooth, honey sweetness all the way.", "So smooth."]):
        submit_review(db, pid, f"v{i}", review(5, text, name=f"n{i}"))
    summary = reader.summary(current())
    assert summary is not None and summary.review_count == 3 and "smooth" in summary.positives
    assert [r.author_name for r in reader.visible(current())] == ["n2", "n1", "n0"]
    assert reader.by_visitor(current(), "v1") is not None and reader.by_visitor(current(), "nobody") is None

    submit_review(db, pid, "v1", review(2, "Went stale within a week.", name="n1"))
    assert reader.visible(current(), sort="lowest")[0].rating == 2
    mine = reader.by_visitor(current(), "v1")
    assert mine is not None and mine.text == "Went stale within a week." and mine.edited

    db.reviews.update_one({"visitorId": "v0"}, {"$set": {"hidden": True}})
    refresh_product_rating(db, ObjectId(pid))
    fresh = current()
    assert fresh.review_count == 2
    summary = reader.summary(fresh)
    assert summary is not None and summary.review_count == 2
    assert "n0" not in [r.author_name for r in reader.visible(fresh)]
    assert reader.by_visitor(fresh, "v0") is not None  # its author may still edit a hidden review


def test_warm_up_gives_what_each_page_would_read(services: ShopServices, product_factory: Any) -> None:
    db = services.db
    reviewed, quiet = str(product_factory()["_id"]), str(product_factory()["_id"])
    submit_review(db, reviewed, "v1", review(4, "Lovely honey notes.", name="a"))
    submit_review(db, reviewed, "v2", review(2, "Too sweet for me.", name="b"))
    services.catalog.invalidate()
    products = [p for p in (services.catalog.get(reviewed), services.catalog.get(quiet)) if p is not None]
    warmed = ProductReviews(db)
    assert warmed.warm(products) == 2
    db.reviews.delete_many({})  # from here on only what the warm-up loaded can answer
    cold = ProductReviews(db)
    assert [r.author_name for r in warmed.visible(products[0], sort="lowest")] == ["b", "a"]
    assert warmed.by_visitor(products[0], "v2") is not None and warmed.summary(products[0]) is not None
    assert warmed.visible(products[1]) == [] and warmed.summary(products[1]) is None
    assert cold.visible(products[0]) == []  # a cold reader would have asked the database
