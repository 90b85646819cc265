"""Product reviews as shown on product pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from pymongo import DESCENDING
from pymongo.database import Database


@dataclass(frozen=True)
class ReviewView:
    author_name: str
    rating: int
    text: str
    created_at: datetime


def visible_reviews(db: Database, product_id: str, limit: int = 20) -> list[ReviewView]:
    cursor = (
        db.reviews.find({"productId": ObjectId(product_id), "hidden": {"$ne": True}})
        .sort("createdAt", DESCENDING)
        .limit(limit)
    )
    return [ReviewView(d["authorName"], int(d["rating"]), d["text"], d["createdAt"]) for d in cursor]
