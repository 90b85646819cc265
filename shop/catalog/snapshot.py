"""The catalog: products and categories read from MongoDB through an in-process snapshot.

SecantusDB scans and sorts without index order (a filtered, sorted query over a few thousand products
takes tens of milliseconds), and every storefront page filters, sorts and counts. So the catalog keeps
a snapshot of all products in memory and answers listings from it in well under a millisecond. The
snapshot follows the database by reading only the products whose `updatedAt` moved (with an overlap
window so a slow commit is not missed), at most every `refresh_seconds`; writes made through this
process mark it stale at once. Orders never trust the snapshot: stock and prices are re-read and
decremented inside the order transaction.

The shop's categories (shop.catalog.categories) are part of the snapshot: a handful of small
documents, read whole on every refresh (one small query; a comparison of the whole list also
notices a deleted category, which a newest-`updatedAt` stamp would miss). Each change of products
or categories gives the snapshot a new `version`, which caches of what the catalog shows compare.

Several processes (workers, hosts) serving one shop: with `versions` (shop.core.versions), a write
through any process bumps the shared "catalog" version after it commits (`invalidate`), and each
process looks for changes as soon as it sees the version move (read at most every `refresh_seconds`),
otherwise only every `full_check_seconds`, which catches writes made outside the shop's services
(a restore, a script) and a bump lost to a crash between commit and bump.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, Self

from bson import ObjectId
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pymongo.database import Database

from shop.catalog.categories import Category, category_context, check_category, name_from_slug, read_categories
from shop.core.db import find_in
from shop.core.pagination import Page
from shop.core.text import normalize, tokenize
from shop.core.validation import line
from shop.core.versions import CATALOG, SharedVersions

SortKey = Literal["relevance", "price_asc", "price_desc", "newest", "rating", "name"]
SORT_OPTIONS: list[tuple[str, str]] = [
    ("relevance", "Best match"),
    ("price_asc", "Price: low to high"),
    ("price_desc", "Price: high to low"),
    ("newest", "Newest"),
    ("rating", "Best rated"),
    ("name", "Name A-Z"),
]
LOW_STOCK = 5
# How far back each incremental refresh re-reads, so a write whose transaction committed a little
# after its `updatedAt` timestamp is still picked up.
SYNC_OVERLAP = timedelta(seconds=30)
MISS_GRACE = 0.05


def stock_code(sku: Any, slug: str) -> str:
    """The owner's SKU when they set one, else the slug: unique and stable too, so every feed, export
    and supplier file has a code for every product. Also for a raw product document (`doc.get("sku")`,
    the purchase orders read only the fields they need): one rule, one place."""
    return sku if isinstance(sku, str) and sku else slug


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    slug: str
    name: str
    description: str
    category: str
    category_name: str
    """The category's display name when the snapshot read the product (the catalog re-derives it when
    the shop renames the category)."""
    price: Decimal
    stock: int
    image_url: str
    tags: tuple[str, ...]
    attributes: dict[str, str]
    rating: float
    review_count: int
    featured: bool
    supplier: str
    lead_time_days: int
    created_at: datetime
    updated_at: datetime
    deleted: bool
    # Weighted terms for keyword search: token -> weight (name 3, tags/category 2, attributes 1.5,
    # description 1); computed once per product version, used by shop.discovery.keywords.KeywordIndex.
    terms: dict[str, float] = field(repr=False, compare=False, default_factory=dict)
    weight_grams: int | None = None
    """Shipping weight (shipping, issue 14); None: the shop's default weight (shop.shipping.config)."""
    variant_of: str | None = None
    """VARIANTS: the id of the family's main product when this is one of its variants (a size, a grind),
    else None. A variant is a product of its own (price, SKU, stock, locations), so the cart, orders,
    stock and the never-oversell transaction need nothing new; listings show the main product only."""
    options: dict[str, str] = field(default_factory=dict)
    """VARIANTS: what tells the family's members apart ({"size": "1 kg", "grind": "ground"}); the main
    product of a family has its own values too."""
    sku: str = ""
    """The owner's stock-keeping unit ("" when none was set: the slug stands in)."""

    @property
    def version(self) -> tuple[Any, ...]:
        """What tells one state of the product from another, for caches of what shows it (cards,
        pages): every write moves `updatedAt`; stock, price and rating are there for writes that
        another process made without it, the category's name for a renamed category."""
        return (self.id, self.updated_at, self.stock, self.price, self.rating, self.review_count, self.category_name)

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def stock_code(self) -> str:
        """The code this product is known by outside the shop (the API's `sku`, schema.org's `sku` and
        `productGroupID`, the purchase orders): see `stock_code`."""
        return stock_code(self.sku, self.slug)

    @property
    def family_id(self) -> str:
        """The id of the family this product belongs to (its own when it is a main or single product)."""
        return self.variant_of or self.id

    @property
    def option_label(self) -> str:
        """ "1 kg, ground": the option values, as a variant picker and a cart line name them."""
        return ", ".join(self.options.values())

    @property
    def low_stock(self) -> bool:
        return 0 < self.stock <= LOW_STOCK

    @property
    def url(self) -> str:
        return f"/products/{self.slug}"

    @property
    def object_id(self) -> ObjectId:
        return ObjectId(self.id)

    @classmethod
    def from_doc(cls, doc: dict[str, Any], *, category_name: str | None = None) -> Product:
        """The product in `doc`; `category_name` is its category's display name (default: from the slug)."""
        attributes = {str(k): str(v) for k, v in (doc.get("attributes") or {}).items()}
        tags = tuple(str(t) for t in doc.get("tags") or ())
        created = doc.get("createdAt") or datetime.now(UTC)
        category = doc.get("category", "")
        category_name = category_name if category_name is not None else name_from_slug(category)
        return cls(
            id=str(doc["_id"]),
            slug=doc["slug"],
            name=doc["name"],
            description=doc.get("description", ""),
            category=category,
            category_name=category_name,
            price=Decimal(doc["price"]),
            stock=int(doc.get("stock", 0)),
            image_url=doc.get("imageUrl") or "",
            tags=tags,
            attributes=attributes,
            rating=float(doc.get("rating") or 0.0),
            review_count=int(doc.get("reviewCount") or 0),
            featured=bool(doc.get("featured")),
            supplier=doc.get("supplier", ""),
            lead_time_days=int(doc.get("leadTimeDays") or 7),
            created_at=created,
            updated_at=doc.get("updatedAt") or created,
            deleted=doc.get("deletedAt") is not None,
            terms=_index_terms(doc["name"], category, category_name, tags, attributes, doc.get("description", "")),
            weight_grams=_weight_grams(doc.get("weightGrams")),
            variant_of=str(doc["variantOf"]) if doc.get("variantOf") else None,
            options={str(k): str(v) for k, v in (doc.get("options") or {}).items()},
            sku=str(doc.get("sku") or ""),
        )

    def with_category_name(self, category_name: str) -> Product:
        """This product after its category was renamed (the name is one of its search terms)."""
        terms = _index_terms(self.name, self.category, category_name, self.tags, self.attributes, self.description)
        return replace(self, category_name=category_name, terms=terms)

    def to_summary(self) -> dict[str, Any]:
        """The JSON shape of a product in listings (prices as decimal numbers in the shop currency)."""
        return {
            "id": self.id,
            "slug": self.slug,
            "name": self.name,
            "category": self.category,
            "price": float(self.price),
            "stock": self.stock,
            "imageUrl": self.image_url,
            "rating": round(self.rating, 2),
            "reviewCount": self.review_count,
            "sku": self.stock_code,
            "variantOf": self.variant_of,
            "options": self.options,
        }

    def to_detail(self) -> dict[str, Any]:
        return {
            **self.to_summary(),
            "description": self.description,
            "attributes": self.attributes,
            "tags": list(self.tags),
            "url": self.url,
        }


def _weight_grams(value: Any) -> int | None:
    """`weightGrams` as stored, if it is a positive whole number (anything else: the default weight)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _index_terms(
    name: str, category: str, category_name: str, tags: Iterable[str], attributes: dict[str, str], description: str
) -> dict[str, float]:
    terms: dict[str, float] = {}
    weighted = [
        (description, 1.0),
        (" ".join(attributes.values()), 1.5),
        (" ".join([category, category_name, *tags]), 2.0),
        (name, 3.0),
    ]
    for text, weight in weighted:
        for token in tokenize(text):
            terms[token] = max(terms.get(token, 0.0), weight)
    return terms


class ListingQuery(BaseModel):
    """What every product listing's query starts with (the storefront's and the admin's): free text and
    a category."""

    model_config = ConfigDict(extra="ignore")

    q: line(100, min_length=0) | None = None  # type: ignore[valid-type]
    category: line(40) | None = None  # type: ignore[valid-type]
    """One of the shop's category slugs: checked when validated with the shop's categories (URL, form
    and API input: `validated`); code that builds a query passes a category it took from the catalog."""

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str | None, info: ValidationInfo) -> str | None:
        return check_category(value, info, required=False)

    @classmethod
    def validated(cls, values: dict[str, Any], categories: Iterable[Category]) -> Self:
        """This query from outside input, its category checked against the shop's categories."""
        return cls.model_validate(values, context=category_context(categories))


class CatalogQuery(ListingQuery):
    """Filters, sort and page of a catalog listing; the same model serves pages, API and agent."""

    min_price: Decimal | None = Field(default=None, ge=0, le=100000, max_digits=9, decimal_places=2)
    max_price: Decimal | None = Field(default=None, ge=0, le=100000, max_digits=9, decimal_places=2)
    in_stock: bool = False
    min_rating: float | None = Field(default=None, ge=0, le=5)
    sort: SortKey = "relevance"
    page: int = Field(default=1, ge=1, le=10000)
    page_size: int = Field(default=24, ge=1, le=100)


CatalogPage = Page[Product]


@dataclass(frozen=True)
class CategoryView:
    """A category as the navigation shows it: with its number of products on sale."""

    slug: str
    name: str
    description: str
    count: int
    icon: str = ""


class Catalog:
    """Snapshot of the product and category collections, refreshed incrementally; thread-safe for readers."""

    def __init__(
        self,
        db: Database,
        *,
        refresh_seconds: float = 1.0,
        versions: SharedVersions | None = None,
        full_check_seconds: float = 30.0,
    ) -> None:
        self.db = db
        self.refresh_seconds = refresh_seconds
        self.versions = versions
        # Without shared versions the products themselves are read every refresh_seconds, as they are
        # with refresh_seconds 0 ("on every read": tests that write behind the services' back).
        shared = versions is not None and refresh_seconds > 0
        self.full_check_seconds = max(full_check_seconds, refresh_seconds) if shared else refresh_seconds
        self._shared_seen = -1  # the shared "catalog" version the snapshot last followed
        self._products: dict[str, Product] = {}
        self._by_slug: dict[str, Product] = {}
        # The version and the active products, swapped together so a reader never pairs one
        # snapshot's version with another's products.
        self._current: tuple[int, list[Product]] = (0, [])
        self._categories: tuple[Category, ...] = ()
        self._category_by_slug: dict[str, Category] = {}
        self._high_water: datetime | None = None
        # When the database was last asked (time.monotonic); -inf means "ask at the next read". Not 0.0:
        # the monotonic clock starts near the machine's boot, so 0.0 was not "long ago" on a machine up
        # for less than refresh_seconds, and invalidate() then forced no refresh.
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        # Filtered + sorted listings of the current snapshot, keyed by the filters: browsing pages
        # then only slice a list. Replaced wholesale whenever the snapshot changes.
        self._listings: dict[tuple[Any, ...], list[Product]] = {}
        self._listeners: list[Callable[[list[Product]], None]] = []
        self._views: tuple[int, list[CategoryView]] | None = None
        self._families: tuple[int, dict[str, list[Product]]] = (-1, {})

    # --- keeping up with the database -------------------------------------------------------
    def invalidate(self) -> None:
        """Make the next read look for changes (called after this process's write of products or
        categories has committed), and tell the other processes to look too."""
        self._checked_at = float("-inf")
        if self.versions is not None:
            self.versions.bump(CATALOG)

    def on_change(self, listener: Callable[[list[Product]], None]) -> None:
        """Called with the products that changed on each refresh (e.g. to re-embed them)."""
        self._listeners.append(listener)

    def _due(self) -> bool:
        if self._high_water is None or time.monotonic() - self._checked_at >= self.full_check_seconds:
            return True
        if self.versions is None:
            return False
        return self.versions.get(CATALOG) != self._shared_seen

    def _fresh(self) -> None:
        if not self._due():
            return
        # One refresher at a time; readers meanwhile keep the previous snapshot, which is at most
        # `refresh_seconds` old.
        if not self._lock.acquire(blocking=self._high_water is None):
            return
        try:
            if self._due():
                # Read before the products: a bump during the refresh then calls for one more.
                shared = self.versions.get(CATALOG) if self.versions is not None else -1
                self._refresh()
                self._shared_seen = shared
        finally:
            self._lock.release()

    def _refresh(self) -> None:
        started = time.monotonic()
        first = self._high_water is None
        categories = read_categories(self.db)
        recategorised = categories != self._categories
        names = {category.slug: category.name for category in categories}
        if self._high_water is None:
            docs = list(self.db.products.find({}))
        else:
            docs = self._written_since(self._high_water - SYNC_OVERLAP)
        changed: dict[str, Product] = {}
        products = dict(self._products)
        if recategorised:
            for product in products.values():
                name = names.get(product.category) or name_from_slug(product.category)
                if name != product.category_name:
                    changed[product.id] = products[product.id] = product.with_category_name(name)
        for doc in docs:
            product = Product.from_doc(doc, category_name=names.get(doc.get("category", "")))
            previous = products.get(product.id)
            if previous is None or previous.updated_at != product.updated_at or previous != product:
                changed[product.id] = product
            products[product.id] = product
            if self._high_water is None or product.updated_at > self._high_water:
                self._high_water = product.updated_at
        if self._high_water is None:
            self._high_water = datetime.now(UTC) - SYNC_OVERLAP
        if changed or recategorised or first:
            self._products = products
            self._by_slug = {p.slug: p for p in products.values()}
            self._categories = categories
            self._category_by_slug = {category.slug: category for category in categories}
            active = sorted((p for p in products.values() if not p.deleted), key=lambda p: normalize(p.name))
            self._current = (self._current[0] + 1, active)
            self._listings = {}
        self._checked_at = started
        if changed:
            for listener in self._listeners:
                listener(list(changed.values()))

    def _written_since(self, since: datetime) -> list[dict[str, Any]]:
        """The products written since `since` that the snapshot does not hold as written.

        Ids and stamps first, whole documents only for what moved: after a burst of orders the
        overlap window holds most of the catalog, which was otherwise read and parsed again every
        second for the few products that changed since the last look.
        """
        stamps = self.db.products.find({"updatedAt": {"$gte": since}}, {"updatedAt": 1})
        moved = [
            stamp["_id"]
            for stamp in stamps
            if (known := self._products.get(str(stamp["_id"]))) is None or known.updated_at != stamp["updatedAt"]
        ]
        return list(find_in(self.db.products, "_id", moved)) if moved else []

    # --- reads ------------------------------------------------------------------------------
    @property
    def version(self) -> int:
        """The current snapshot's number, one higher after every change of products or categories.

        What a cache of something the catalog shows compares, rather than the identity of a list.
        """
        self._fresh()
        return self._current[0]

    def versioned(self) -> tuple[int, list[Product]]:
        """The version and the active products of one and the same snapshot."""
        self._fresh()
        return self._current

    def all(self) -> list[Product]:
        """Every active product, variants included (the assistant, search indexes and reports read them)."""
        self._fresh()
        return self._current[1]

    def listed(self) -> list[Product]:
        """The products listings show: every active product but variants (their family's main product
        stands for them; its page offers the variants)."""
        return self._listing(("listed",), lambda items: [p for p in items if p.variant_of is None])

    def family(self, product: Product) -> list[Product]:
        """VARIANTS: the active members of `product`'s family, main product first, then by price; a
        product without variants is a family of one. A variant whose main product was deleted stands
        alone (it is still for sale)."""
        version, items = self.versioned()
        cached = self._families
        if cached[0] != version:
            families: dict[str, list[Product]] = {}
            for item in items:
                families.setdefault(item.family_id, []).append(item)
            for members in families.values():
                members.sort(key=lambda p: (p.variant_of is not None, p.price, p.name))
            cached = self._families = (version, families)
        return list(cached[1].get(product.family_id, [product]))

    def _find(self, key: str, table: Callable[[], dict[str, Product]]) -> Product | None:
        """Look a product up; on a miss, make sure the snapshot is not simply behind.

        A reader that could not take the refresh lock keeps the previous snapshot, which may not yet
        hold a product created a moment ago. A miss therefore waits for (or makes) a refresh that
        started after it, unless one started within the last MISS_GRACE seconds, which bounds how
        often requests for unknown ids can make the catalog query the database.
        """
        self._fresh()
        product = table().get(key)
        if product is None:
            asked = time.monotonic()
            with self._lock:
                if self._checked_at < asked - MISS_GRACE:
                    self._refresh()
            product = table().get(key)
        return product

    def get(self, product_id: str) -> Product | None:
        """Active product by id (deleted products are not for sale)."""
        product = self._find(product_id, lambda: self._products)
        return product if product and not product.deleted else None

    def get_any(self, product_id: str) -> Product | None:
        """Product by id even when deleted: order history still names it."""
        return self._find(product_id, lambda: self._products)

    def by_slug(self, slug: str) -> Product | None:
        product = self._find(slug, lambda: self._by_slug)
        return product if product and not product.deleted else None

    def all_categories(self) -> tuple[Category, ...]:
        """The shop's categories in display order, with their search vocabulary."""
        self._fresh()
        return self._categories

    def category(self, slug: str | None) -> Category | None:
        """The shop's category with this slug, or None for anything else."""
        self._fresh()
        return self._category_by_slug.get(slug) if slug else None

    def categories(self) -> list[CategoryView]:
        """The categories with their product counts (every page's navigation: kept per snapshot)."""
        version, items = self.versioned()
        cached = self._views
        if cached is not None and cached[0] == version:
            return cached[1]
        counts = Counter(product.category for product in items if product.variant_of is None)
        views = [CategoryView(c.slug, c.name, c.description, counts.get(c.slug, 0), c.icon) for c in self._categories]
        self._views = (version, views)
        return views

    def _listing(self, key: tuple[Any, ...], build: Callable[[list[Product]], list[Product]]) -> list[Product]:
        """`build` over the snapshot's listed products (variants left out), kept per snapshot and key."""
        listings = self._listings  # read before all(): a refresh swaps in a new dict after the new snapshot
        items = self.all()
        if key != ("listed",):
            items = [p for p in items if p.variant_of is None]
        cached = listings.get(key)
        if cached is None:
            cached = build(items)
            if len(listings) > 512:
                listings.clear()
            listings[key] = cached
        return cached

    def featured(self, limit: int = 8) -> list[Product]:
        picks = self._listing(
            ("featured",),
            lambda items: sorted((p for p in items if p.featured and p.in_stock), key=lambda p: (-p.rating, p.name)),
        )
        return picks[:limit]

    def new_arrivals(self, limit: int = 8) -> list[Product]:
        newest = self._listing(
            ("newest",),
            lambda items: sorted((p for p in items if p.in_stock), key=lambda p: p.created_at, reverse=True),
        )
        return newest[:limit]

    def search(self, query: CatalogQuery, *, scores: dict[str, float] | None = None) -> CatalogPage:
        """Filter, sort and paginate. Free text is ranked elsewhere (shop.discovery.hybrid.HybridSearch): when
        `scores` (product id -> relevance) are given, the listing holds exactly those products."""
        if scores is not None:
            scores = self._family_scores(scores)
            items = _sorted([p for p in self.listed() if p.id in scores and on_shelf(p, query)], query.sort, scores)
        else:
            key = (query.category, query.min_price, query.max_price, query.in_stock, query.min_rating, query.sort)
            items = self._listing(
                key, lambda products: _sorted([p for p in products if on_shelf(p, query)], query.sort, {})
            )
        start = (query.page - 1) * query.page_size
        return Page(items[start : start + query.page_size], len(items), query.page, query.page_size)

    def _family_scores(self, scores: dict[str, float]) -> dict[str, float]:
        """Relevance of variants counted for their family's main product (the one listings show):
        "espresso 1 kg" finds the espresso, whose page offers the 1 kg bag."""
        folded = dict(scores)
        for product_id, score in scores.items():
            product = self._products.get(product_id)
            if product is not None and product.variant_of is not None:
                folded[product.variant_of] = max(folded.get(product.variant_of, 0.0), score)
        return folded


def on_shelf(product: Product, query: CatalogQuery) -> bool:
    """The listing filters of a CatalogQuery (category, price range, in stock, rating) on one product."""
    if query.category and product.category != query.category:
        return False
    if query.min_price is not None and product.price < query.min_price:
        return False
    if query.max_price is not None and product.price > query.max_price:
        return False
    if query.in_stock and not product.in_stock:
        return False
    return not (query.min_rating is not None and product.rating < query.min_rating)


def _sorted(items: list[Product], sort: str, scores: dict[str, float]) -> list[Product]:
    if sort == "price_asc":
        return sorted(items, key=lambda p: (p.price, p.name))
    if sort == "price_desc":
        return sorted(items, key=lambda p: (-p.price, p.name))
    if sort == "newest":
        return sorted(items, key=lambda p: (p.created_at, p.id), reverse=True)
    if sort == "rating":
        return sorted(items, key=lambda p: (-p.rating, -p.review_count, p.name))
    if sort == "name":
        return items  # the snapshot is kept in name order
    if scores:
        return sorted(items, key=lambda p: (-scores.get(p.id, 0.0), not p.in_stock, p.name))
    # No query: in-stock, well-reviewed products first.
    return sorted(items, key=lambda p: (not p.in_stock, not p.featured, -p.rating, p.name))


def query_from_params(params: dict[str, str], *, page_size: int, categories: Iterable[Category]) -> CatalogQuery:
    """Build a query from URL parameters; empty form fields mean "no filter" rather than an error."""
    values: dict[str, Any] = {k: v for k, v in params.items() if v not in ("", None)}
    values.setdefault("page_size", page_size)
    return CatalogQuery.validated(values, categories)
