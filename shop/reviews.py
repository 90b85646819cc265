"""Product reviews: listing, writing (one per visitor and product), ratings and summaries.

A visitor (the session cookie) has at most one review per product: a second submit edits the first.
The rule is enforced by the database (a unique index on (productId, visitorId), partial so reviews
without a visitor, e.g. imported or by customers, are not affected) and written as an upsert, so two
racing submits cannot make two reviews.

The product's `rating` and `reviewCount` always aggregate its VISIBLE reviews; they are recomputed
from the reviews themselves (shop.moderation.refresh_product_rating, shared with the owner's
moderation) in the same transaction as the write, and `updatedAt` moves so the catalog snapshot
picks the new figures up.

The summary ("Customers mention ...", shop.review_summary) is stored in `review_summaries` and
recomputed when reviews change here; a summary whose basis (count and rating sum of the visible
reviews) no longer matches the product, e.g. after the owner hid a review, is recomputed on the next
read, so it cannot go stale whichever code path changed the reviews.

Review text is hostile input: stored as typed, escaped by the templates (autoescape), and fenced by
the agent's tools.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from bson import ObjectId
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pymongo import ASCENDING, DESCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shop.moderation import refresh_product_rating
from shop.review_summary import ReviewSummary, summarize
from shop.transactions import run_transaction
from shop.validation import line, paragraph, parse_object_id

ReviewSort = Literal["newest", "highest", "lowest"]
REVIEW_SORTS: list[tuple[str, str]] = [("newest", "Newest"), ("highest", "Highest rated"), ("lowest", "Lowest rated")]
_SORT_SPECS: dict[str, list[tuple[str, int]]] = {
    "newest": [("createdAt", DESCENDING)],
    "highest": [("rating", DESCENDING), ("createdAt", DESCENDING)],
    "lowest": [("rating", ASCENDING), ("createdAt", DESCENDING)],
}
SUMMARIES = "review_summaries"


@dataclass(frozen=True)
class ReviewView:
    author_name: str
    rating: int
    text: str
    created_at: datetime
    id: str = ""
    edited: bool = False

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ReviewView:
        updated = doc.get("updatedAt")
        return cls(
            doc.get("authorName", ""),
            int(doc["rating"]),
            doc.get("text", ""),
            doc["createdAt"],
            str(doc["_id"]),
            bool(updated and updated > doc["createdAt"]),
        )


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a whole number from 1 to 5")
    return value


class ReviewInput(BaseModel):
    """What a visitor submits (pages, API and the agent share it)."""

    model_config = ConfigDict(extra="forbid")

    rating: Annotated[int, BeforeValidator(_no_bool), Field(ge=1, le=5)]
    text: paragraph(2000, min_length=10)  # type: ignore[valid-type]
    authorName: line(60)  # type: ignore[valid-type]


def visible_reviews(db: Database, product_id: str, limit: int = 20, sort: ReviewSort = "newest") -> list[ReviewView]:
    """The product's visible reviews in the chosen order (hidden ones are never shown)."""
    cursor = (
        db.reviews.find({"productId": ObjectId(product_id), "hidden": {"$ne": True}})
        .sort(_SORT_SPECS.get(sort, _SORT_SPECS["newest"]))
        .limit(limit)
    )
    return [ReviewView.from_doc(d) for d in cursor]


def review_by_visitor(db: Database, product_id: str, visitor_id: str) -> ReviewView | None:
    """The visitor's own review of the product (also when hidden: they may still edit it)."""
    doc = db.reviews.find_one({"productId": ObjectId(product_id), "visitorId": visitor_id})
    return ReviewView.from_doc(doc) if doc else None


def submit_review(db: Database, product_id: str, visitor_id: str, review: ReviewInput) -> tuple[ReviewView, bool]:
    """Create or edit the visitor's review; returns (review, created).

    An edit keeps the review's moderation state: a review the owner hid stays hidden when its
    author rewrites it.
    """
    oid = ObjectId(product_id)
    now = datetime.now(UTC)

    def work(session: ClientSession) -> tuple[dict[str, Any], bool]:
        existing = db.reviews.find_one({"productId": oid, "visitorId": visitor_id}, {"_id": 1}, session=session)
        db.reviews.update_one(
            {"productId": oid, "visitorId": visitor_id},
            {
                "$set": {
                    "rating": review.rating,
                    "text": review.text,
                    "authorName": review.authorName,
                    "updatedAt": now,
                },
                "$setOnInsert": {"hidden": False, "createdAt": now, "customerId": None},
            },
            upsert=True,
            session=session,
        )
        refresh_product_rating(db, oid, session=session)
        doc = db.reviews.find_one({"productId": oid, "visitorId": visitor_id}, session=session)
        assert doc is not None
        return doc, existing is None

    try:
        doc, created = run_transaction(db, work)
    except DuplicateKeyError:
        # Two first submits raced; the other created the review, so this one is an edit of it.
        doc, created = run_transaction(db, work)
    refresh_review_summary(db, product_id)
    return ReviewView.from_doc(doc), created


def recompute_product_rating(db: Database, product_id: str | ObjectId) -> tuple[float, int]:
    """Recompute rating/reviewCount from the visible reviews and refresh the summary.

    For code that changed reviews outside `submit_review` (imports, scripts); the owner's moderation
    has its own transactional path (shop.moderation) and the summary notices that by its basis.
    """
    oid = product_id if isinstance(product_id, ObjectId) else parse_object_id(product_id)
    rating, count = refresh_product_rating(db, oid)
    refresh_review_summary(db, str(oid))
    return rating, count


# --------------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------------


def _visible_ratings_and_texts(db: Database, product_id: ObjectId) -> list[tuple[int, str]]:
    cursor = db.reviews.find({"productId": product_id, "hidden": {"$ne": True}}, {"rating": 1, "text": 1})
    return [(int(doc["rating"]), str(doc.get("text", ""))) for doc in cursor]


def refresh_review_summary(db: Database, product_id: str) -> ReviewSummary:
    oid = ObjectId(product_id)
    reviews = _visible_ratings_and_texts(db, oid)
    summary = summarize(reviews)
    db[SUMMARIES].replace_one(
        {"_id": oid},
        {
            **summary.to_doc(),
            "basis": {"count": len(reviews), "ratingSum": sum(r for r, _ in reviews)},
            "updatedAt": datetime.now(UTC),
        },
        upsert=True,
    )
    return summary


def review_summary(db: Database, product_id: str, *, review_count: int, rating: float) -> ReviewSummary | None:
    """The stored summary, recomputed first when it no longer matches the product's visible reviews
    (`review_count` / `rating` as the catalog knows them); None when there are no reviews."""
    if review_count <= 0:
        return None
    doc = db[SUMMARIES].find_one({"_id": ObjectId(product_id)})
    basis = (doc or {}).get("basis") or {}
    stale = (
        doc is None
        or basis.get("count") != review_count
        # products.rating is rounded to 2 decimals; a different average means other reviews.
        or abs(float(basis.get("ratingSum", 0)) / review_count - rating) > 0.006
    )
    summary = refresh_review_summary(db, product_id) if stale or doc is None else ReviewSummary.from_doc(doc)
    return summary if summary.review_count else None
