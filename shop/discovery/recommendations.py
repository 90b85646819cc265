"""Recommendations: similar products, frequently bought together, and "recommended for you".

Three signals, each cheap at request time because the expensive part is done ahead:

- Content: embedding neighbours of a product (the same MiniLM vectors search uses). Neighbour ids
  are cached per product for a few minutes; stock and price are re-read from the catalog snapshot on
  every request, so the cache never shows a stale "in stock". Without the model (tests, keyword-only
  installs) a TF-IDF overlap of the products' weighted terms stands in.
- Co-purchase (item-item collaborative filtering): how often two products share an order, as cosine
  n_ij / sqrt(n_i * n_j). Cosine rather than raw counts so a bestseller is not everybody's partner,
  rather than lift so two rarities that met once do not top the list (plus a minimum support).
  The counts are built once from the order history in Python over a projected `find` (SecantusDB
  answers array-walking aggregation expressions wrongly), kept in memory, and followed incrementally
  through `orders.updatedAt` (a cancelled order is subtracted again), with a full rebuild hourly.
  Each product's top neighbours are precomputed, so a lookup is a dict read.
- Popularity: order counts with exponential time decay ("trending"), for visitors we know nothing
  about and as a small prior everywhere else.

"Recommended for you" weighs the products a visitor engaged with (purchase > cart = wishlist > view >
search, fading with age), then scores candidates by the co-purchase and content similarity to them,
each normalised to [0, 1], plus the popularity prior. Products the visitor has in the cart, the
product being looked at and sold-out products are never recommended.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import combinations
from typing import TYPE_CHECKING, Any

from pymongo.database import Database

from shop.catalog.snapshot import Catalog, Product

if TYPE_CHECKING:
    from shop.discovery.hybrid import HybridSearch
    from shop.discovery.interactions import Interaction, InteractionLog

log = logging.getLogger(__name__)

ORDER_FIELDS = {"products": 1, "status": 1, "createdAt": 1, "updatedAt": 1}
SYNC_OVERLAP = timedelta(minutes=2)
"""Incremental refreshes re-read this far back, so an order committed late is not missed."""
_RELATED_VERSIONS = itertools.count(1)
"""Process-wide, so a rebuilt CoPurchaseStats never repeats a version an older one had (both of its
versions draw from it)."""


# --------------------------------------------------------------------------------------------------
# Co-purchase statistics
# --------------------------------------------------------------------------------------------------


def basket_of(order: dict[str, Any]) -> frozenset[str]:
    """The distinct products of an order that counts (cancelled orders count for nothing)."""
    if order.get("status") == "cancelled":
        return frozenset()
    return frozenset(str(line["productId"]) for line in order.get("products") or () if line.get("productId"))


class CoPurchaseStats:
    """Item-item co-occurrence over baskets, with each item's top neighbours precomputed.

    Not thread-safe for writers (one writer: CoPurchaseIndex holds a lock); readers only touch
    `neighbours` and `trending`, whose values are replaced whole, never mutated.
    """

    def __init__(self, *, min_support: int = 2, top_k: int = 30, half_life_days: float = 14.0) -> None:
        self.min_support = min_support
        self.top_k = top_k
        self.half_life_days = half_life_days
        self.baskets: dict[str, tuple[datetime, frozenset[str]]] = {}
        self.item_orders: Counter[str] = Counter()
        self.pairs: dict[str, Counter[str]] = {}
        self.neighbours: dict[str, list[tuple[str, float]]] = {}
        self.trending: dict[str, float] = {}
        self.related_version = 0
        """Moves whenever `related` may answer differently (not when only `trending` decayed), so a
        page rendered from `related` can be kept until it moves (app: the product page cache)."""
        self.trending_version = 0
        """Moves whenever `trending` is recomputed (app: the first-time visitor's home page)."""
        self._ranked: tuple[dict[str, float], list[tuple[str, float]]] | None = None

    @classmethod
    def from_orders(
        cls, orders: Iterable[dict[str, Any]], *, now: datetime | None = None, **options: Any
    ) -> CoPurchaseStats:
        stats = cls(**options)
        stats.apply(orders)
        stats.finish(now=now)
        return stats

    @property
    def order_count(self) -> int:
        return sum(1 for _, items in self.baskets.values() if items)

    def apply(self, orders: Iterable[dict[str, Any]]) -> set[str]:
        """Add new orders, or replace what an order counted for (status changes); returns touched items."""
        touched: set[str] = set()
        for order in orders:
            key = str(order["_id"])
            items = basket_of(order)
            created = order.get("createdAt") or datetime.now(UTC)
            previous = self.baskets.get(key)
            if previous is not None and previous[1] == items:
                continue
            if previous is not None:
                self._count(previous[1], -1)
                touched |= previous[1]
            self._count(items, +1)
            touched |= items
            if items or previous is not None:
                self.baskets[key] = (created, items)
        return touched

    def _count(self, items: frozenset[str], sign: int) -> None:
        for item in items:
            self.item_orders[item] += sign
            if self.item_orders[item] <= 0:
                del self.item_orders[item]
        for a, b in combinations(items, 2):
            for x, y in ((a, b), (b, a)):
                partners = self.pairs.setdefault(x, Counter())
                partners[y] += sign
                if partners[y] <= 0:
                    del partners[y]
                    if not partners:
                        del self.pairs[x]

    def score(self, a: str, b: str) -> float:
        together = self.pairs.get(a, {}).get(b, 0)
        if together < self.min_support:
            return 0.0
        return together / math.sqrt(self.item_orders[a] * self.item_orders[b])

    def finish(self, touched: Iterable[str] | None = None, *, now: datetime | None = None) -> None:
        """Recompute neighbour lists (all, or those `touched` items can appear in) and trending."""
        if touched is None:
            items: set[str] = set(self.pairs) | set(self.neighbours)
        else:
            # A changed n_i changes the score of every pair i is in, so i's partners' lists too.
            items = set(touched)
            for item in touched:
                items.update(self.pairs.get(item, ()))
        neighbours = dict(self.neighbours)
        changed = touched is None
        for item in items:
            partners = self.pairs.get(item)
            scored = [(other, self.score(item, other)) for other in partners or ()]
            best = heapq.nlargest(self.top_k, (s for s in scored if s[1] > 0), key=lambda s: (s[1], s[0]))
            if best:
                changed = changed or neighbours.get(item) != best
                neighbours[item] = best
            elif neighbours.pop(item, None) is not None:
                changed = True
        self.neighbours = neighbours
        if changed:  # after the new neighbours are in place: a reader of the new version sees them
            self.related_version = next(_RELATED_VERSIONS)
        self.trending = self._trending(now or datetime.now(UTC))
        self.trending_version = next(_RELATED_VERSIONS)

    def _trending(self, now: datetime) -> dict[str, float]:
        decay = math.log(2) / (self.half_life_days * 86400)
        scores: dict[str, float] = {}
        for created, items in self.baskets.values():
            if not items:
                continue
            weight = math.exp(-decay * max(0.0, (now - created).total_seconds()))
            for item in items:
                scores[item] = scores.get(item, 0.0) + weight
        return scores

    def related(self, item: str) -> list[tuple[str, float]]:
        return self.neighbours.get(item, [])

    def trending_ranked(self) -> list[tuple[str, float]]:
        """`trending` best first, sorted once per version of it (every home page asks)."""
        trending = self.trending
        cached = self._ranked
        if cached is None or cached[0] is not trending:
            cached = (trending, sorted(trending.items(), key=lambda item: (-item[1], item[0])))
            self._ranked = cached
        return cached[1]


class CoPurchaseIndex:
    """Keeps CoPurchaseStats in step with the orders collection (see the module docstring).

    `refresh` does the work synchronously (start-up thread, tests, CLI); `maybe_refresh` is what a
    request calls: when the statistics are older than `refresh_seconds` it starts one background
    refresh and returns at once with the current (slightly old) statistics.
    """

    def __init__(
        self,
        db: Database,
        *,
        refresh_seconds: float = 60.0,
        full_rebuild_seconds: float = 3600.0,
        **options: Any,
    ) -> None:
        self.db = db
        self.refresh_seconds = refresh_seconds
        self.full_rebuild_seconds = full_rebuild_seconds
        self.options = options
        self.stats = CoPurchaseStats(**options)
        self.built = threading.Event()
        self._high_water: datetime | None = None
        self._refreshed_at = 0.0
        self._rebuilt_at = 0.0
        self._lock = threading.Lock()
        self._running = False

    def refresh(self, *, full: bool = False) -> None:
        with self._lock:
            started = time.monotonic()
            if full or not self.built.is_set() or started - self._rebuilt_at > self.full_rebuild_seconds:
                self._rebuild()
                self._rebuilt_at = started
            else:
                self._incremental()
            self._refreshed_at = started
            self.built.set()

    def _rebuild(self) -> None:
        stats = CoPurchaseStats(**self.options)
        high_water: datetime | None = None
        for order in self.db.orders.find({}, ORDER_FIELDS):
            stats.apply([order])
            stamp = order.get("updatedAt") or order.get("createdAt")
            if stamp is not None and (high_water is None or stamp > high_water):
                high_water = stamp
        stats.finish()
        self.stats = stats
        self._high_water = high_water

    def _incremental(self) -> None:
        since = (self._high_water or datetime.now(UTC)) - SYNC_OVERLAP
        orders = list(self.db.orders.find({"updatedAt": {"$gte": since}}, ORDER_FIELDS))
        touched = self.stats.apply(orders)
        for order in orders:
            stamp = order.get("updatedAt")
            if stamp is not None and (self._high_water is None or stamp > self._high_water):
                self._high_water = stamp
        # Trending decays with time even when nothing was sold, so it is recomputed regardless.
        self.stats.finish(touched)

    def maybe_refresh(self) -> None:
        if time.monotonic() - self._refreshed_at < self.refresh_seconds and self.built.is_set():
            return
        with self._lock:
            if self._running:
                return
            self._running = True

        def work() -> None:
            try:
                self.refresh()
            except Exception:
                log.exception("could not refresh the co-purchase statistics")
                self._refreshed_at = time.monotonic()  # try again after refresh_seconds, not per request
            finally:
                self._running = False

        threading.Thread(target=work, name="co-purchase-refresh", daemon=True).start()


# --------------------------------------------------------------------------------------------------
# The recommender
# --------------------------------------------------------------------------------------------------

TYPE_WEIGHTS: dict[str, float] = {"purchase": 3.0, "cart": 2.0, "wishlist": 2.0, "view": 1.0, "search": 0.6}
HISTORY_HALF_LIFE_DAYS = 30.0
MAX_SEEDS = 8
CONTENT_NEIGHBOURS = 20
CONTENT_CACHE_SECONDS = 600.0


@dataclass(frozen=True)
class Blend:
    """Weights of the three signals in "recommended for you" (each signal is normalised to [0, 1]).

    Chosen on a validation half of the demo customers (bench/recommendations_eval.py --tune):
    co-purchase carries the signal; content only breaks ties (the demo customers have no taste to
    learn, and a real shop's visitors mostly follow baskets too); the popularity prior is the
    runner-up setting, within noise of the best and steadier for visitors with a thin history.
    """

    copurchase: float = 1.0
    content: float = 0.1
    popularity: float = 0.3


@dataclass
class Recommendations:
    items: list[Product]
    personal: bool
    """True when the list comes from the visitor's own history, False for the trending fallback."""
    seeds: list[str] = field(default_factory=list)


class Recommender:
    """Similar products, bought-together and personal recommendations over one catalog snapshot."""

    def __init__(
        self,
        catalog: Catalog,
        search: HybridSearch,
        copurchase: CoPurchaseIndex | None = None,
        interactions: InteractionLog | None = None,
        *,
        blend: Blend | None = None,
        stats: CoPurchaseStats | None = None,
    ) -> None:
        self.catalog = catalog
        self.search = search
        self.copurchase = copurchase
        self.interactions = interactions
        self.blend = blend or Blend()
        self._fixed_stats = stats
        self._content_cache: dict[str, tuple[float, list[tuple[str, float]]]] = {}
        self._terms_cache: tuple[int, dict[str, float], dict[str, float]] | None = None  # (catalog version, idf, norms)

    @property
    def stats(self) -> CoPurchaseStats:
        if self._fixed_stats is not None:
            return self._fixed_stats
        if self.copurchase is None:
            return CoPurchaseStats()
        self.copurchase.maybe_refresh()
        return self.copurchase.stats

    def trending_version(self) -> int:
        """Changes whenever `trending` may answer differently for the same catalog snapshot."""
        return self.stats.trending_version

    def related_version(self) -> int:
        """Changes whenever `bought_together` may answer differently for some product (new orders
        made new neighbours, or the statistics were rebuilt); stock and price come from the catalog."""
        return self.stats.related_version

    # --- product pages ----------------------------------------------------------------------------
    def similar(self, product_id: str, n: int = 6) -> list[Product]:
        """Closest products by meaning, in-stock ones first (a sold-out twin is still worth knowing)."""
        found = self._resolve(self.content_neighbours(product_id), exclude={product_id}, in_stock_only=False)
        return sorted(found, key=lambda p: not p.in_stock)[:n]

    def bought_together(self, product_id: str, n: int = 4) -> list[Product]:
        """Products that share orders with this one unusually often, in-stock ones first."""
        found = self._resolve(self.stats.related(product_id), exclude={product_id}, in_stock_only=False)
        return sorted(found, key=lambda p: not p.in_stock)[:n]

    def trending(self, n: int = 8, *, exclude: Iterable[str] = ()) -> list[Product]:
        """Best sellers of the last weeks (decayed order counts); featured products if there are no orders."""
        found = self._resolve(self.stats.trending_ranked(), exclude=set(exclude), in_stock_only=True, limit=n)
        if len(found) < n:
            seen = {p.id for p in found} | set(exclude)
            found += [p for p in self.catalog.featured(n * 2) if p.id not in seen][: n - len(found)]
        return found[:n]

    # --- personal ---------------------------------------------------------------------------------
    def for_visitor(
        self,
        visitor_id: str | None,
        n: int = 8,
        *,
        cart: Iterable[str] = (),
        context: str | None = None,
        history: Sequence[Interaction] | None = None,
        exclude: Iterable[str] = (),
    ) -> Recommendations:
        """Recommendations for a visitor from their history (and cart); trending when there is none.

        `exclude`: products the page already shows in another row."""
        cart_ids = set(cart)
        if history is None:
            history = self.interactions.history(visitor_id) if (self.interactions is not None and visitor_id) else []
        profile = self.profile(history, cart=cart_ids)
        exclude = cart_ids | set(exclude) | ({context} if context else set())
        if profile:
            items = self.recommend(profile, n, exclude=exclude)
            if items:
                seeds = [pid for pid, _ in sorted(profile.items(), key=lambda s: -s[1])[:MAX_SEEDS]]
                return Recommendations(items, True, seeds)
        return Recommendations(self.trending(n, exclude=exclude), False)

    def profile(
        self, history: Sequence[Interaction], *, cart: Iterable[str] = (), now: datetime | None = None
    ) -> dict[str, float]:
        """Product id -> how strongly the visitor engaged with it, fading with age."""
        moment = now or datetime.now(UTC)
        weights: dict[str, float] = {}
        for event in history:
            base = TYPE_WEIGHTS.get(event.type, 0.0)
            age_days = max(0.0, (moment - event.at).total_seconds() / 86400)
            weight = base * 0.5 ** (age_days / HISTORY_HALF_LIFE_DAYS)
            if event.product_id:
                weights[event.product_id] = weights.get(event.product_id, 0.0) + weight
            elif event.type == "search" and event.query:
                scores = self.search.keyword_scores(event.query, self.catalog)
                top = sorted(scores, key=lambda pid: -scores[pid])[:3]
                for pid in top:
                    weights[pid] = weights.get(pid, 0.0) + weight / len(top)
        for pid in cart:
            weights[pid] = weights.get(pid, 0.0) + TYPE_WEIGHTS["cart"]
        return weights

    def recommend(self, profile: dict[str, float], n: int = 8, *, exclude: Iterable[str] = ()) -> list[Product]:
        """Blend co-purchase, content and popularity around the profile's strongest products."""
        seeds = sorted(profile.items(), key=lambda s: (-s[1], s[0]))[:MAX_SEEDS]
        total = sum(weight for _, weight in seeds)
        if total <= 0:
            return []
        stats = self.stats
        copurchase: dict[str, float] = {}
        content: dict[str, float] = {}
        for seed, weight in seeds:
            share = weight / total
            for other, score in stats.related(seed):
                copurchase[other] = copurchase.get(other, 0.0) + share * score
            if self.blend.content > 0:
                for other, similarity in self.content_neighbours(seed):
                    content[other] = content.get(other, 0.0) + share * similarity
        trending = stats.trending
        scores: dict[str, float] = {}
        for signal, weight in ((copurchase, self.blend.copurchase), (content, self.blend.content)):
            top = max(signal.values(), default=0.0)
            if top > 0 and weight > 0:
                for pid, value in signal.items():
                    scores[pid] = scores.get(pid, 0.0) + weight * value / top
        top_pop = max(trending.values(), default=0.0)
        if top_pop > 0 and self.blend.popularity > 0:
            # The prior orders candidates the visitor's own signals left tied, and fills the list.
            candidates = set(scores) | {pid for pid, _ in stats.trending_ranked()[: n * 3]}
            for pid in candidates:
                scores[pid] = scores.get(pid, 0.0) + self.blend.popularity * trending.get(pid, 0.0) / top_pop
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return self._resolve(ranked, exclude=set(exclude), in_stock_only=True, limit=n)

    # --- content neighbours -----------------------------------------------------------------------
    def content_neighbours(self, product_id: str) -> list[tuple[str, float]]:
        """(product id, similarity in [0, 1]) closest first: embeddings when ready, else term overlap."""
        store = self.search.store
        semantic = store is not None and (self.search.ready is None or self.search.ready.is_set())
        key = ("s:" if semantic else "t:") + product_id
        cached = self._content_cache.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[0] < CONTENT_CACHE_SECONDS:
            return cached[1]
        neighbours: list[tuple[str, float]] = []
        if semantic and store is not None:
            try:
                hits = store.neighbours_of(product_id, CONTENT_NEIGHBOURS)
                neighbours = [(pid, max(0.0, 1.0 - distance)) for pid, distance in hits]
            except Exception:
                log.exception("embedding neighbours of %s failed; using term overlap", product_id)
        if not neighbours:
            neighbours = self._term_neighbours(product_id)
        if len(self._content_cache) > 10_000:
            self._content_cache.clear()
        self._content_cache[key] = (now, neighbours)
        return neighbours

    def _term_neighbours(self, product_id: str) -> list[tuple[str, float]]:
        """TF-IDF cosine over the products' weighted keyword terms, through the keyword index's
        postings (only products sharing a term are touched)."""
        product = self.catalog.get(product_id)
        if product is None:
            return []
        index = self.search.keyword_index(self.catalog)
        version, products = self.catalog.versioned()
        cached = self._terms_cache
        if cached is None or cached[0] != version:
            count = max(1, len(products))
            idf = {term: math.log(1 + count / len(posting)) for term, posting in index.postings.items()}
            norms = {
                p.id: math.sqrt(sum((w * idf.get(t, 0.0)) ** 2 for t, w in p.terms.items())) or 1.0 for p in products
            }
            cached = (version, idf, norms)
            self._terms_cache = cached
        _, idf, norms = cached
        dots: dict[str, float] = {}
        for term, weight in product.terms.items():
            factor = weight * idf.get(term, 0.0) ** 2
            for other, other_weight in index.postings.get(term, ()):
                if other != product_id:
                    dots[other] = dots.get(other, 0.0) + factor * other_weight
        own = norms.get(product_id, 1.0)
        scored = [(pid, dot / (own * norms.get(pid, 1.0))) for pid, dot in dots.items()]
        return heapq.nlargest(CONTENT_NEIGHBOURS, scored, key=lambda s: (s[1], s[0]))

    # --- helpers ----------------------------------------------------------------------------------
    def _resolve(
        self,
        ranked: Iterable[tuple[str, float]],
        *,
        exclude: set[str],
        in_stock_only: bool,
        limit: int | None = None,
    ) -> list[Product]:
        """The ranked products that exist, in order, each shown as its family's main product.

        VARIANTS: a variant stands for its family (the main product, whose page offers the variant),
        a family is offered once, and never the family of an excluded product: "similar" to the
        espresso is not its 1 kg bag. A variant in stock counts for `in_stock_only`, since the page
        it leads to sells it."""
        found: list[Product] = []
        families = {self._family_id(pid) for pid in exclude}
        for pid, _ in ranked:
            if pid in exclude:
                continue
            product = self.catalog.get(pid)
            if product is None or (in_stock_only and not product.in_stock):
                continue
            shown = (self.catalog.get(product.variant_of) if product.variant_of else None) or product
            if shown.family_id in families:
                continue
            families.add(shown.family_id)
            found.append(shown)
            if limit is not None and len(found) >= limit:
                break
        return found

    def _family_id(self, product_id: str) -> str:
        """The family `product_id` belongs to (itself when it is no product the catalog holds)."""
        product = self.catalog.get(product_id)
        return product.family_id if product is not None else product_id
