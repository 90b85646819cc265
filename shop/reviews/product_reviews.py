"""Product reviews: listing, writing (one per visitor and product), ratings and summaries.

A visitor (the session cookie) has at most one review per product: a second submit edits the first.
The rule is enforced by the database (a unique index on (productId, visitorId), partial so reviews
without a visitor, e.g. imported or by customers, are not affected) and written as an upsert, so two
racing submits cannot make two reviews.

The product's `rating` and `reviewCount` always aggregate its VISIBLE reviews; they are recomputed
from the reviews themselves (shop.reviews.moderation.refresh_product_rating, shared with the owner's
moderation) in the same transaction as the write, and `updatedAt` moves so the catalog snapshot
picks the new figures up.

Pages read a product's reviews through `ProductReviews`: one query per version of the product gives
the visible reviews in every order, the summary ("Customers mention ...", shop.reviews.summary) and
who wrote them. A product's `updatedAt` moves with every change of its reviews, whichever code path
made it, so a summary cannot go stale.

VARIANTS (issue 14): a variant is the same product in another size, so a family (main product and
variants, `Catalog.family`) has one set of reviews. Its pages list the reviews of every member (one
query on the indexed `productId`, `$in` over the family's few ids) and rate the family as a whole
(`family_rating`); a review written on any member's page is stored under the family's main product
(`review_target`), so a visitor has one review per family and the main's `rating`, which listings,
search and the assistant read, counts it. Reviews a variant got before are still listed and counted.

Review text is hostile input: stored as typed, escaped by the templates (autoescape), and fenced by
the agent's tools.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from bson import ObjectId
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pymongo import ASCENDING, DESCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shop.catalog.snapshot import Catalog, Product
from shop.core.transactions import run_transaction
from shop.core.validation import line, paragraph, parse_object_id, reject_bool
from shop.discovery.interactions import COLLECTION as INTERACTIONS
from shop.reviews.moderation import refresh_product_rating
from shop.reviews.summary import ReviewSummary, summarize

ReviewSort = Literal["newest", "highest", "lowest"]
REVIEW_SORTS: list[tuple[str, str]] = [("newest", "Newest"), ("highest", "Highest rated"), ("lowest", "Lowest rated")]
_SORT_SPECS: dict[str, list[tuple[str, int]]] = {
    "newest": [("createdAt", DESCENDING)],
    "highest": [("rating", DESCENDING), ("createdAt", DESCENDING)],
    "lowest": [("rating", ASCENDING), ("createdAt", DESCENDING)],
}


@dataclass(frozen=True)
class ReviewView:
    author_name: str
    rating: int
    text: str
    created_at: datetime
    id: str = ""
    edited: bool = False
    verified_buyer: bool = False
    """The author ordered the product (see `bought_by_visitor`): shown as "Verified buyer"."""

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
            bool(doc.get("verifiedBuyer")),
        )


class ReviewInput(BaseModel):
    """What a visitor submits (pages, API and the agent share it)."""

    model_config = ConfigDict(extra="forbid")

    rating: Annotated[
        int, BeforeValidator(lambda v: reject_bool(v, "must be a whole number from 1 to 5")), Field(ge=1, le=5)
    ]
    text: paragraph(2000, min_length=10)  # type: ignore[valid-type]
    authorName: line(60)  # type: ignore[valid-type]


def _of_products(product_ids: str | Sequence[str]) -> dict[str, Any]:
    """The reviews filter for one product or a family's few members (VARIANTS), on the indexed productId."""
    if isinstance(product_ids, str):
        return {"productId": ObjectId(product_ids)}
    ids = [ObjectId(pid) for pid in product_ids]
    return {"productId": ids[0]} if len(ids) == 1 else {"productId": {"$in": ids}}


def review_target(family: Sequence[Product]) -> Product:
    """The product a review written on any page of this family is stored under: its main product (the
    family's first member), so one visitor has one review of the family, counted in the main's rating."""
    return family[0]


def family_rating(family: Sequence[Product]) -> tuple[float, int]:
    """(average rating rounded to 2 decimals, count) over the visible reviews of a family's members,
    from each member's own aggregate (no database read): what the family's page and its JSON-LD show."""
    count = sum(member.review_count for member in family)
    if count == 0:
        return 0.0, 0
    return round(sum(member.rating * member.review_count for member in family) / count, 2), count


def visible_reviews(
    db: Database, product_id: str | Sequence[str], limit: int = 20, sort: ReviewSort = "newest"
) -> list[ReviewView]:
    """The visible reviews of a product (or of a family's members) in the chosen order (hidden ones are never shown)."""
    cursor = (
        db.reviews.find(_of_products(product_id) | {"hidden": {"$ne": True}})
        .sort(_SORT_SPECS.get(sort, _SORT_SPECS["newest"]))
        .limit(limit)
    )
    return [ReviewView.from_doc(d) for d in cursor]


def review_by_visitor(db: Database, product_id: str, visitor_id: str) -> ReviewView | None:
    """The visitor's own review of the product (also when hidden: they may still edit it)."""
    doc = db.reviews.find_one({"productId": ObjectId(product_id), "visitorId": visitor_id})
    return ReviewView.from_doc(doc) if doc else None


def bought_by_visitor(db: Database, visitor_id: str, product_id: ObjectId | Sequence[ObjectId]) -> bool:
    """Whether the visitor is a verified buyer of the product: an order of it that is not cancelled,
    under an email address this visitor ordered with (on this or another device: the order of the
    product may be older than the visitor's session).

    The visitor's addresses come from their purchases in the interaction log (indexed by visitor;
    the orders have no index on the session, and a scan of them would hold SecantusDB, which runs one
    operation at a time, for 100+ ms); the order itself from the orders (indexed by email). For a
    family's review (VARIANTS), `product_id` lists its members: buying any size verifies it.
    """
    purchases = (
        db[INTERACTIONS]
        .find({"visitorId": visitor_id, "type": "purchase", "customerEmail": {"$type": "string"}}, {"customerEmail": 1})
        .limit(200)
    )
    emails = sorted({doc["customerEmail"] for doc in purchases})[:20]
    if not emails:
        return False
    ids = [product_id] if isinstance(product_id, ObjectId) else list(product_id)
    bought = ids[0] if len(ids) == 1 else {"$in": ids}
    query = {"email": {"$in": emails}, "products.productId": bought, "status": {"$ne": "cancelled"}}
    return db.orders.find_one(query, {"_id": 1}) is not None


def submit_review(
    db: Database, product_id: str, visitor_id: str, review: ReviewInput, *, family: Sequence[str] = ()
) -> tuple[ReviewView, bool]:
    """Create or edit the visitor's review; returns (review, created).

    An edit keeps the review's moderation state: a review the owner hid stays hidden when its
    author rewrites it. Whether the author bought the product is decided at each write
    (`bought_by_visitor`), so a review written before the order turns "Verified buyer" when edited.
    `family` (VARIANTS) lists the ids of the family `product_id` reviews (see `review_target`):
    having bought any of them makes a verified buyer.
    """
    oid = ObjectId(product_id)
    now = datetime.now(UTC)
    verified = bought_by_visitor(db, visitor_id, [ObjectId(pid) for pid in family] or oid)

    def work(session: ClientSession) -> tuple[dict[str, Any], bool]:
        existing = db.reviews.find_one({"productId": oid, "visitorId": visitor_id}, {"_id": 1}, session=session)
        db.reviews.update_one(
            {"productId": oid, "visitorId": visitor_id},
            {
                "$set": {
                    "rating": review.rating,
                    "text": review.text,
                    "authorName": review.authorName,
                    "verifiedBuyer": verified,
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
    return ReviewView.from_doc(doc), created


def recompute_product_rating(db: Database, product_id: str | ObjectId) -> tuple[float, int]:
    """Recompute rating/reviewCount from the visible reviews.

    For code that changed reviews outside `submit_review` (imports, scripts); the owner's moderation
    has its own transactional path (shop.reviews.moderation).
    """
    return refresh_product_rating(db, parse_object_id(product_id))


# --------------------------------------------------------------------------------------------------
# What the product page reads, per product version
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ReviewState:
    """One version of a product's reviews, as the pages show them."""

    visible: dict[str, list[ReviewView]]  # per sort
    by_visitor: dict[str, ReviewView]  # also hidden ones: their authors may still edit them
    summary: ReviewSummary | None


_Key = tuple[tuple[str, datetime, int, float], ...]


class ProductReviews:
    """The reviews, the summary and who reviewed a product's family, read once per version of it.

    Every product page shows these, and they only change when the product's reviews do. Any such
    change (a visitor's submit or edit, the owner hiding or showing one) moves the product's
    `updatedAt` in the same transaction (see the module docstring), so (id, updatedAt) of the
    catalog's products of a family name one state of its reviews: a new version is simply a cache
    miss, on every process that serves the shop. A family with more than MAX_LOADED reviews is read
    with a query per use instead of all at once. Without a `catalog` every product stands alone.
    """

    LIMIT = 4096
    MAX_LOADED = 500

    def __init__(self, db: Database, catalog: Catalog | None = None) -> None:
        self.db = db
        self.catalog = catalog
        self._states: dict[_Key, _ReviewState | None] = {}

    def family(self, product: Product) -> list[Product]:
        """VARIANTS: the members whose reviews `product`'s page shows, the review target first."""
        return self.catalog.family(product) if self.catalog is not None else [product]

    def _state(self, family: list[Product]) -> _ReviewState | None:
        key = self._key(family)
        try:
            return self._states[key]
        except KeyError:
            state = self._load([member.id for member in family])
            if len(self._states) >= self.LIMIT:
                self._states.clear()
            self._states[key] = state
            return state

    @staticmethod
    def _key(family: Sequence[Product]) -> _Key:
        # The figures too: two writes can share a millisecond of `updatedAt`.
        return tuple(sorted((p.id, p.updated_at, p.review_count, p.rating) for p in family))

    def warm(self, products: list[Product], max_reviews: int = 50_000) -> int:
        """Read every listed product's reviews in one query (start-up, off the request path), so the
        first visitors of each product page do not wait for it; returns how many were loaded.

        `products` must be read from the catalog BEFORE this runs: a review written in between then
        lands under an older version of its product, which the next catalog refresh replaces, and
        can never pair an old set of reviews with a new version."""
        if len(products) > self.LIMIT // 2 or self.db.reviews.estimated_document_count() > max_reviews:
            return 0
        grouped: dict[str, list[dict[str, Any]]] = {}
        for doc in self.db.reviews.find({}):
            grouped.setdefault(str(doc["productId"]), []).append(doc)
        for product in products:
            family = self.family(product)
            docs = [doc for member in family for doc in grouped.get(member.id, [])]
            state = None if len(docs) > self.MAX_LOADED else self._from_docs(docs, family[0].id)
            self._states[self._key(family)] = state
        return len(products)

    def _load(self, product_ids: list[str]) -> _ReviewState | None:
        docs = list(self.db.reviews.find(_of_products(product_ids)).limit(self.MAX_LOADED + 1))
        return None if len(docs) > self.MAX_LOADED else self._from_docs(docs, product_ids[0])

    @staticmethod
    def _from_docs(docs: list[dict[str, Any]], target_id: str) -> _ReviewState:
        shown = [doc for doc in docs if not doc.get("hidden")]
        visible: dict[str, list[ReviewView]] = {}
        for sort, spec in _SORT_SPECS.items():
            ordered = list(shown)
            for field, direction in reversed(spec):  # stable sorts, last key first
                ordered.sort(key=lambda doc, f=field: doc[f], reverse=direction == DESCENDING)
            visible[sort] = [ReviewView.from_doc(doc) for doc in ordered]
        summary = summarize((int(doc["rating"]), str(doc.get("text", ""))) for doc in shown)
        # The review the visitor edits is the one under the review target (later in the dict wins).
        mine = sorted((doc for doc in docs if doc.get("visitorId")), key=lambda doc: str(doc["productId"]) == target_id)
        return _ReviewState(
            visible=visible,
            by_visitor={doc["visitorId"]: ReviewView.from_doc(doc) for doc in mine},
            summary=summary if summary.review_count else None,
        )

    def visible(self, product: Product, limit: int = 20, sort: ReviewSort = "newest") -> list[ReviewView]:
        family = self.family(product)
        state = self._state(family)
        if state is None:
            return visible_reviews(self.db, [member.id for member in family], limit, sort)
        return state.visible.get(sort, state.visible["newest"])[:limit]

    def summary(self, product: Product) -> ReviewSummary | None:
        """What customers mention, over all visible reviews (the newest MAX_LOADED for a very popular
        product: a summary of those says the same)."""
        family = self.family(product)
        state = self._state(family)
        if state is not None:
            return state.summary
        cursor = (
            self.db.reviews.find(
                _of_products([member.id for member in family]) | {"hidden": {"$ne": True}}, {"rating": 1, "text": 1}
            )
            .sort("createdAt", DESCENDING)
            .limit(self.MAX_LOADED)
        )
        summary = summarize((int(doc["rating"]), str(doc.get("text", ""))) for doc in cursor)
        return summary if summary.review_count else None

    def by_visitor(self, product: Product, visitor_id: str) -> ReviewView | None:
        """The visitor's review of the product's family (the one under its review target when they
        wrote several before families shared theirs)."""
        family = self.family(product)
        state = self._state(family)
        if state is None:
            return review_by_visitor(self.db, review_target(family).id, visitor_id)
        return state.by_visitor.get(visitor_id)
