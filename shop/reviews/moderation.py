"""Review moderation: hiding and showing reviews while the product's rating follows.

A product's `rating` and `reviewCount` are the aggregate of its visible reviews (rating rounded to two
decimals, 0.0 with none). Hiding or showing a review recomputes them from the reviews themselves in the
same transaction, rather than adjusting the old numbers, so they can never drift from what the product
page lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from bson import ObjectId
from pydantic import Field
from pymongo.client_session import ClientSession
from pymongo.database import Database

from shop.catalog.snapshot import Catalog
from shop.core.activity import log_activity
from shop.core.errors import NotFound
from shop.core.pagination import ListQuery, Page, newest_page
from shop.core.transactions import run_transaction
from shop.core.validation import parse_object_id

NO_SUCH_REVIEW = "That review does not exist."


def rating_aggregate(db: Database, product_id: ObjectId, *, session: ClientSession | None = None) -> tuple[float, int]:
    """(average rating rounded to 2 decimals, count) over the product's visible reviews.

    Summed in Python: a handful of small integers per product, and it does not depend on how a
    server implements $avg.
    """
    ratings = [
        int(doc["rating"])
        for doc in db.reviews.find({"productId": product_id, "hidden": {"$ne": True}}, {"rating": 1}, session=session)
    ]
    if not ratings:
        return 0.0, 0
    return round(sum(ratings) / len(ratings), 2), len(ratings)


def refresh_product_rating(
    db: Database, product_id: ObjectId, *, session: ClientSession | None = None
) -> tuple[float, int]:
    rating, count = rating_aggregate(db, product_id, session=session)
    db.products.update_one(
        {"_id": product_id},
        {"$set": {"rating": rating, "reviewCount": count, "updatedAt": datetime.now(UTC)}},
        session=session,
    )
    return rating, count


class ReviewListQuery(ListQuery):
    visibility: Literal["all", "visible", "hidden"] = "all"
    rating: int | None = Field(default=None, ge=1, le=5)
    product: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{24}$")


@dataclass(frozen=True)
class AdminReview:
    id: str
    product_id: str
    product_name: str
    product_url: str | None
    author_name: str
    rating: int
    text: str
    hidden: bool
    created_at: datetime


class ReviewModeration:
    def __init__(self, db: Database, catalog: Catalog) -> None:
        self.db = db
        self.catalog = catalog

    def list(self, query: ReviewListQuery) -> Page[AdminReview]:
        filters: dict[str, Any] = {}
        if query.visibility == "hidden":
            filters["hidden"] = True
        elif query.visibility == "visible":
            filters["hidden"] = {"$ne": True}
        if query.rating is not None:
            filters["rating"] = query.rating
        if query.product:
            filters["productId"] = ObjectId(query.product)
        found = newest_page(self.db.reviews, filters, query.page, query.page_size)
        # One read for the names of the products on this page (not one lookup per review).
        products = {
            p["_id"]: p
            for p in self.db.products.find(
                {"_id": {"$in": list({d["productId"] for d in found.items})}}, {"name": 1, "slug": 1, "deletedAt": 1}
            )
        }
        return found.map(lambda doc: self._view(doc, products.get(doc["productId"])))

    def get(self, review_id: str) -> AdminReview:
        doc = self.db.reviews.find_one({"_id": parse_object_id(review_id, or_raise=NotFound(NO_SUCH_REVIEW))})
        if doc is None:
            raise NotFound(NO_SUCH_REVIEW)
        return self._view(doc)

    def set_hidden(self, review_id: str, hidden: bool, *, owner: str) -> AdminReview:
        """Hide or show a review and recompute its product's rating, in one transaction."""
        oid = parse_object_id(review_id, or_raise=NotFound(NO_SUCH_REVIEW))

        def work(session: ClientSession) -> dict[str, Any]:
            review = self.db.reviews.find_one({"_id": oid}, session=session)
            if review is None:
                raise NotFound(NO_SUCH_REVIEW)
            was_hidden = bool(review.get("hidden"))
            if was_hidden == hidden:
                return review
            self.db.reviews.update_one({"_id": oid}, {"$set": {"hidden": hidden}}, session=session)
            product = self.db.products.find_one(
                {"_id": review["productId"]}, {"rating": 1, "reviewCount": 1}, session=session
            )
            rating, count = refresh_product_rating(self.db, review["productId"], session=session)
            before = {"hidden": was_hidden}
            if product is not None:
                before |= {"productRating": product.get("rating"), "productReviewCount": product.get("reviewCount")}
            log_activity(
                self.db,
                owner,
                "review.hide" if hidden else "review.show",
                "review",
                oid,
                before,
                {"hidden": hidden, "productRating": rating, "productReviewCount": count},
                session=session,
            )
            return {**review, "hidden": hidden}

        try:
            doc = run_transaction(self.db, work)
        finally:
            self.catalog.invalidate()
        return self._view(doc)

    def _view(self, doc: dict[str, Any], product: dict[str, Any] | None = None) -> AdminReview:
        if product is None:
            product = self.db.products.find_one({"_id": doc["productId"]}, {"name": 1, "slug": 1, "deletedAt": 1})
        live = product is not None and product.get("deletedAt") is None
        return AdminReview(
            id=str(doc["_id"]),
            product_id=str(doc["productId"]),
            product_name=product["name"] if product else "(unknown product)",
            product_url=f"/products/{product['slug']}" if product and live else None,
            author_name=doc.get("authorName", ""),
            rating=int(doc.get("rating", 0)),
            text=doc.get("text", ""),
            hidden=bool(doc.get("hidden")),
            created_at=doc["createdAt"],
        )
