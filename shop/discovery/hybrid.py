"""Hybrid search: keyword and semantic rankings fused, filtered and paginated as a catalog listing.

Why hybrid: keywords are exact and explainable ("yirgacheffe" must find the Yirgacheffe) but blind to
meaning ("something to help me sleep" shares no word with "Chamomile & Lavender"); embeddings are the
reverse. Reciprocal-rank fusion merges the two rankings without having to calibrate a BM25-ish score
against a cosine distance, and a product both rankers like ends on top.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shop.catalog.categories import Category
from shop.catalog.snapshot import Catalog, CatalogPage, CatalogQuery, Product, on_shelf
from shop.core.text import tokenize
from shop.discovery.keywords import KeywordIndex
from shop.discovery.query import QueryFilters, parse_query

if TYPE_CHECKING:
    from shop.discovery.index_sync import ProductIndex
    from vectorstore.store import ProductVectorStore

log = logging.getLogger(__name__)


@dataclass
class SearchResult:
    page: CatalogPage
    text: str
    """The words that were ranked (the query minus the filters the parser took out)."""
    filters: QueryFilters = field(default_factory=QueryFilters)
    """What the parser understood, to show as removable chips ("under $15", "caffeine-free")."""


def _ranks(items: Sequence[tuple[str, float]], *, higher_is_better: bool) -> dict[str, int]:
    """Competition ranks ("1224"): equal scores share a rank, so ties do not decide by accident."""
    ordered = sorted(items, key=lambda item: -item[1] if higher_is_better else item[1])
    ranks: dict[str, int] = {}
    previous: float | None = None
    rank = 0
    for position, (key, score) in enumerate(ordered, start=1):
        if score != previous:
            rank, previous = position, score
        ranks[key] = rank
    return ranks


def chroma_where(query: CatalogQuery, filters: QueryFilters | None = None) -> dict[str, Any] | None:
    """The listing's stable filters as a Chroma `where`, so neighbours come from the right shelf.

    Only category, price and caffeine are pushed down: stock and rating change with every order and
    review and are checked on the fresh catalog snapshot anyway.
    """
    clauses: list[dict[str, Any]] = []
    if query.category:
        clauses.append({"category": query.category})
    if query.min_price is not None:
        clauses.append({"price": {"$gte": float(query.min_price)}})
    if query.max_price is not None:
        clauses.append({"price": {"$lte": float(query.max_price)}})
    if filters is not None and filters.caffeine_free:
        clauses.append({"caffeine_free": True})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


OVERFETCH = 4
"""How many times more unfiltered neighbours to fetch than needed before filtering them in Python."""


class HybridSearch:
    """Keyword and semantic rankings fused by reciprocal rank.

    `k` damps the head of each ranking: 1/(k + rank) makes rank 1 and rank 5 close, so a product
    ranked well by BOTH beats one ranked first by only one.

    Which products are *in* the result: every keyword match, plus semantic neighbours that are
    close enough. MiniLM puts a good paraphrase at cosine distance ~0.25-0.5 from a descriptive query,
    single words land at ~0.55-0.75 even from their best match, and gibberish at ~0.85. So a
    semantic-only product must be within `confident_distance` when the keywords already matched some
    product in full; when they did not (paraphrases, unknown words) the bar drops to `max_distance`.
    Either way it must be within `relative_margin` of the best hit. Farther neighbours still help
    order the keyword matches. Without a store (or if Chroma fails) it degrades to keyword ranking.
    """

    def __init__(
        self,
        store: ProductVectorStore | None,
        *,
        k: int = 60,
        candidates: int = 40,
        confident_distance: float = 0.5,
        max_distance: float = 0.75,
        relative_margin: float = 0.15,
        keyword_weight: float = 1.0,
        semantic_weight: float = 1.0,
        ready: threading.Event | None = None,
        index: ProductIndex | None = None,
    ) -> None:
        self.store = store
        # The index that keeps `store` in step: with a store shared by several processes, it follows
        # the others' writes (ProductIndex.shared_version).
        self.index = index
        # Until the model is loaded and the index synced (seconds after start-up), searches rank by
        # keywords instead of waiting on the model: the shop opens at once. None: ready from the start.
        self.ready = ready
        self.k = k
        self.candidates = candidates
        self.confident_distance = confident_distance
        self.max_distance = max_distance
        self.relative_margin = relative_margin
        self.keyword_weight = keyword_weight
        self.semantic_weight = semantic_weight
        self._index: tuple[int, KeywordIndex] | None = None  # (catalog version, its index)
        self._index_lock = threading.Lock()
        # Fused scores per search, for the catalog snapshot and vector index they were computed on:
        # every page and sort order of a search asks again, and popular searches repeat.
        self._scores: tuple[tuple[int, tuple[int, int, bool]] | None, dict[tuple[Any, ...], dict[str, float]]] = (
            None,
            {},
        )

    # --- the two rankers ----------------------------------------------------------------------
    def keyword_index(self, catalog: Catalog) -> KeywordIndex:
        """The index of the current snapshot (rebuilt only when the catalog's version moves)."""
        version, products = catalog.versioned()
        cached = self._index
        if cached is not None and cached[0] == version:
            return cached[1]
        with self._index_lock:
            cached = self._index
            if cached is None:
                cached = (version, KeywordIndex(products))
            elif cached[0] != version:
                cached = (version, cached[1].refreshed(products))
            self._index = cached
        return cached[1]

    def keyword_scores(self, query_text: str, catalog: Catalog) -> dict[str, float]:
        return self.keyword_index(catalog).scores(query_text)

    def semantic(
        self,
        query_text: str,
        *,
        n: int | None = None,
        admit: Callable[[str], bool] | None = None,
        where: dict[str, Any] | None = None,
    ) -> list[tuple[str, float]]:
        """Nearest products within `max_distance`, closest first; [] without a store or on failure.

        Filtering: Chroma's filtered search costs 5-20 ms at 2,000 products against ~1 ms unfiltered,
        so this asks for OVERFETCH times more unfiltered neighbours and keeps those `admit` accepts;
        only a filter too selective for that pays for a `where` query.
        """
        if self.store is None or not query_text.strip() or (self.ready is not None and not self.ready.is_set()):
            return []
        n = n or self.candidates
        try:
            if admit is None:
                hits = self.store.query(query_text, n)
            else:
                wide = self.store.query(query_text, n * OVERFETCH)
                hits = [hit for hit in wide if admit(hit[0])][:n]
                exhausted = len(wide) < n * OVERFETCH or wide[-1][1] > self.max_distance
                if len(hits) < n and not exhausted and where:
                    hits = self.store.query(query_text, n, where=where)
        except Exception:
            log.exception("Semantic search failed; ranking by keywords only")
            return []
        return [(pid, distance) for pid, distance in hits if distance <= self.max_distance]

    # --- fusion -------------------------------------------------------------------------------
    def scores(
        self,
        query_text: str,
        catalog: Catalog,
        *,
        candidates: int | None = None,
        query: CatalogQuery | None = None,
        filters: QueryFilters | None = None,
    ) -> dict[str, float]:
        """Product id -> fused score, for `Catalog.search(query, scores=...)` (the ids are the result set).

        `query`/`filters` narrow the semantic candidates to the listing's shelf, so a filtered search
        still gets `candidates` useful neighbours; keyword matches are filtered by Catalog.search.
        """
        index = self.keyword_index(catalog)
        keyword, coverage = index.match(query_text)
        admit = None
        if query is not None or filters is not None:
            shelf, extra = query or CatalogQuery(), filters or QueryFilters()

            def admit(pid: str) -> bool:
                product = catalog.get(pid)
                return product is not None and on_shelf(product, shelf) and extra.admits(product)

        semantic = self.semantic(
            index.correct(query_text),
            n=candidates,
            admit=admit,
            where=chroma_where(query or CatalogQuery(), filters),
        )
        if semantic:
            bar = self.confident_distance if coverage >= 1.0 else self.max_distance
            bar = min(bar, semantic[0][1] + self.relative_margin)
            semantic_ranks = _ranks(semantic, higher_is_better=False)
            admitted = {pid for pid, distance in semantic if distance <= bar}
        else:
            semantic_ranks, admitted = {}, set()
        fused: dict[str, float] = {}
        for pid, rank in _ranks(list(keyword.items()), higher_is_better=True).items():
            fused[pid] = self.keyword_weight / (self.k + rank)
        for pid, rank in semantic_ranks.items():
            if pid in fused or pid in admitted:
                fused[pid] = fused.get(pid, 0.0) + self.semantic_weight / (self.k + rank)
        return fused

    def search(self, catalog: Catalog, query: CatalogQuery, *, understand: bool = True) -> SearchResult:
        """A catalog listing for free text: parse filters out of `query.q`, rank, filter, paginate.

        The same call serves the storefront search box and the agent's search tool.
        """
        text, filters = self._prepare(query.q or "", catalog.all_categories(), understand=understand)
        if understand:
            query = filters.merged_into(query)
        query = query.model_copy(update={"q": text or None})
        if not text:
            return SearchResult(catalog.search(query), text, filters)
        return SearchResult(
            catalog.search(query, scores=self._search_scores(text, catalog, query, filters)), text, filters
        )

    def warm_queries(self, catalog: Catalog, texts: Iterable[str]) -> int:
        """Encode searches visitors are likely to make (the tag links on product pages, the shop's
        popular searches) before anyone makes them, prepared exactly as `search` prepares a query so
        the cached vectors are the ones it will ask for. Returns how many were encoded."""
        if self.store is None:
            return 0
        index = self.keyword_index(catalog)
        categories = catalog.all_categories()
        prepared = [index.correct(text) for text, _ in (self._prepare(t, categories) for t in texts) if text.strip()]
        return self.store.embedding.remember_queries(prepared)

    @staticmethod
    def _prepare(raw: str, categories: Sequence[Category], *, understand: bool = True) -> tuple[str, QueryFilters]:
        """A visitor's text as it is ranked: without the filters it states ("under $10", "decaf", one
        of the shop's `categories`), which `understand` takes out of it, and at most 100 characters."""
        text, filters = parse_query(raw, categories) if understand and raw else (raw, QueryFilters())
        return text[:100], filters

    def vectors_version(self) -> tuple[int, int, bool]:
        """Changes whenever semantic answers may: the index was written (by this process, or by another
        one sharing its Chroma server), or semantic ranking switched on."""
        ready = self.ready is None or self.ready.is_set()
        if self.store is None:
            return (0, 0, ready)
        shared = self.index.shared_version() if self.index is not None else 0
        return (self.store.version, shared, ready)

    def _search_scores(
        self, text: str, catalog: Catalog, query: CatalogQuery, filters: QueryFilters
    ) -> dict[str, float]:
        stamp = (catalog.version, self.vectors_version())
        current, cache = self._scores
        if current != stamp:
            cache = {}
            self._scores = (stamp, cache)
        key = (text, query.model_dump_json(exclude={"page", "page_size", "sort"}), filters)
        scores = cache.get(key)
        if scores is None:
            scores = self.scores(text, catalog, query=query, filters=filters)
            if filters.caffeine_free:
                scores = {
                    pid: s for pid, s in scores.items() if (p := catalog.get(pid)) is not None and filters.admits(p)
                }
            if len(cache) >= 2048:
                cache.clear()
            cache[key] = scores
        return scores

    def suggest(self, catalog: Catalog, text: str, limit: int = 6) -> list[Product]:
        """Type-ahead: the best keyword matches for a partly typed query, keywords only.

        Runs on every keystroke, so no embedding (~1 ms instead of ~15). The last word is usually
        unfinished, which the keyword index handles as a prefix ("chocol"), and typos as usual
        ("camomile"). A product whose name starts with the text goes first; ties go to products in
        stock, then to the more reviewed (a proxy for popular) ones.
        """
        words = tokenize(text)
        if not words:
            return []
        scores = self.keyword_scores(" ".join(words), catalog)
        typed = " ".join(words)

        def rank(pid: str) -> tuple[bool, float, bool, int, str]:
            product = catalog.get(pid)
            assert product is not None
            starts = " ".join(tokenize(product.name)).startswith(typed)
            return (not starts, -scores[pid], not product.in_stock, -product.review_count, product.name)

        live = [pid for pid in scores if catalog.get(pid) is not None]
        return [p for p in (catalog.get(pid) for pid in sorted(live, key=rank)[:limit]) if p is not None]

    def similar(
        self, product_id: str, catalog: Catalog, n: int = 6, *, same_category: bool = False, in_stock: bool = True
    ) -> list[Product]:
        """Products whose embeddings sit closest to this one's ("you may also like").

        Unfiltered neighbours are fetched generously and filtered here (see `semantic` for why); a
        Chroma `where` query is the fallback when too few survive.
        """
        if self.store is None or (self.ready is not None and not self.ready.is_set()):
            return []
        product = catalog.get(product_id)
        if product is None:
            return []

        def wanted(pid: str) -> Product | None:
            other = catalog.get(pid)
            if other is None or (in_stock and not other.in_stock):
                return None
            return other if not same_category or other.category == product.category else None

        want = n * 2 + 2
        try:
            hits = self.store.neighbours_of(product_id, want * (OVERFETCH if same_category else 1))
            found = [p for p in (wanted(pid) for pid, _ in hits) if p is not None]
            if len(found) < n and same_category and len(hits) == want * OVERFETCH:
                hits = self.store.neighbours_of(product_id, want, where={"category": product.category})
                found = [p for p in (wanted(pid) for pid, _ in hits) if p is not None]
        except Exception:
            log.exception("Similar-products lookup failed")
            return []
        return found[:n]
