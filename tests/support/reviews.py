"""Reviews written straight to the database, shaped like the ones the storefront writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bson import ObjectId
from pymongo.database import Database


def add_review(db: Database, product_id: ObjectId, rating: int, *, hidden: bool = False, age_days: int = 0) -> ObjectId:
    return db.reviews.insert_one(
        {
            "productId": product_id,
            "authorName": f"Reviewer {rating}",
            "rating": rating,
            "text": f"A {rating}-star review.",
            "visitorId": None,
            "customerId": None,
            "hidden": hidden,
            "createdAt": datetime.now(UTC) - timedelta(days=age_days),
        }
    ).inserted_id
