"""Hybrid ranking: fusion of keyword and semantic hits, typos, filters pushed down, degraded modes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from shop.catalog.snapshot import Catalog, CatalogQuery
from shop.discovery.hybrid import HybridSearch, chroma_where
from shop.discovery.index_sync import ProductIndex
from shop.discovery.query import QueryFilters
from vectorstore import ProductVectorStore


def names(catalog: Catalog, ids: Iterator[str] | list[str]) -> list[str]:
    return [p.name for p in (catalog.get(i) for i in ids) if p is not None]


def ranked(scores: dict[str, float]) -> list[str]:
    return sorted(scores, key=lambda pid: -scores[pid])


def test_fusion_keeps_keyword_only_and_semantic_only_hits_and_puts_agreement_first(
    product_factory: Any, catalog: Catalog, index: ProductIndex, store: ProductVectorStore
) -> None:
    both = product_factory(
        name="Restful Night Tea",
        category="tea",
        description="A calming herbal blend of lemon balm and valerian for a restful night's sleep.",
        tags=["tea", "herbal", "sleep"],
    )
    semantic_only = product_factory(
        name="Chamomile & Lavender Herbal Blend",
        category="tea",
        description="A soothing caffeine-free infusion of chamomile flowers and lavender to unwind before bed.",
        tags=["tea", "herbal"],
        attributes={"caffeine": "none"},
    )
    keyword_only = product_factory(
        name="Night Owl Espresso",
        category="coffee",
        description="A bold dark roast with heavy crema and notes of cocoa and molasses.",
        tags=["coffee", "espresso"],
        attributes={"roast": "dark"},
    )
    product_factory(name="Shea Butter Hand Cream", category="beauty", description="Rich cream for dry hands.")
    index.sync(catalog)
    query = "night time drink to help me sleep"
    # Two semantic candidates and a generous margin make the two one-sided hits deterministic.
    search = HybridSearch(store, candidates=2, relative_margin=0.5)
    keyword = search.keyword_scores(query, catalog)
    semantic = [pid for pid, _ in search.semantic(query, n=2)]
    ids = {name: str(doc["_id"]) for name, doc in (("both", both), ("sem", semantic_only), ("kw", keyword_only))}
    assert ids["kw"] in keyword and ids["kw"] not in semantic
    assert ids["sem"] in semantic and ids["sem"] not in keyword
    assert ids["both"] in keyword and ids["both"] in semantic

    scores = search.scores(query, catalog)
    assert ranked(scores)[0] == ids["both"]
    assert ids["sem"] in scores and ids["kw"] in scores
    page = catalog.search(CatalogQuery(q=query), scores=scores)
    assert page.items[0].id == ids["both"]
    assert {p.id for p in page.items} >= set(ids.values())


def test_nonsense_finds_nothing_and_exact_names_win(
    indexed: dict[str, str], catalog: Catalog, search: HybridSearch
) -> None:
    assert search.scores("xqzv blorp", catalog) == {}
    assert ranked(search.scores("english breakfast", catalog))[0] == indexed["english-breakfast"]
    assert ranked(search.scores("shea butter hand cream", catalog))[0] == indexed["shea-hand-cream"]


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("yirgacheff", "yirgacheffe"),  # cut short
        ("yrgacheffe", "yirgacheffe"),  # a letter missing
        ("camomile", "chamomile-lavender"),  # British spelling
        ("expresso", "house-espresso"),  # the classic
        ("chocolat", "dark-chocolate"),  # French / cut short
        ("lavendar", "chamomile-lavender"),
        ("shea buter hand creams", "shea-hand-cream"),  # typo and plural
    ],
)
def test_typo_queries_find_the_product(
    indexed: dict[str, str], catalog: Catalog, search: HybridSearch, query: str, slug: str
) -> None:
    result = search.search(catalog, CatalogQuery(q=query))
    assert result.page.items, query
    assert result.page.items[0].id == indexed[slug]


def test_keyword_only_fallback_without_a_store(indexed: dict[str, str], catalog: Catalog) -> None:
    search = HybridSearch(None)
    assert ranked(search.scores("expresso", catalog))[0] == indexed["house-espresso"]
    assert search.similar(indexed["house-espresso"], catalog) == []


def test_chroma_failure_degrades_to_keywords(
    indexed: dict[str, str], catalog: Catalog, search: HybridSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> list[tuple[str, float]]:
        raise RuntimeError("chroma is down")

    assert search.store is not None
    monkeypatch.setattr(search.store, "query", broken)
    assert ranked(search.scores("yirgacheffe", catalog))[0] == indexed["yirgacheffe"]


def test_selective_filters_fall_back_to_a_chroma_where_query(
    indexed: dict[str, str], catalog: Catalog, store: ProductVectorStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any] | None] = []
    real_query = store.query

    def spy(text: str, n: int = 10, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        calls.append(where)
        return real_query(text, n, where)

    monkeypatch.setattr(store, "query", spy)
    search = HybridSearch(store, candidates=1, max_distance=1.5)
    # The 4 nearest to a sleepy query are drinks; the beauty shelf needs Chroma's own filter.
    hits = search.semantic(
        "herbal tea for sleep", admit=lambda pid: pid == indexed["shea-hand-cream"], where={"category": "beauty"}
    )
    assert [pid for pid, _ in hits] == [indexed["shea-hand-cream"]]
    assert calls == [None, {"category": "beauty"}]
    calls.clear()
    search.semantic("herbal tea for sleep", admit=lambda pid: True, where={"category": "tea"})
    assert calls == [None]  # enough survivors: the cheap unfiltered query was all it took


def test_natural_language_search_applies_price_and_caffeine(
    indexed: dict[str, str], catalog: Catalog, search: HybridSearch
) -> None:
    result = search.search(catalog, CatalogQuery(q="something caffeine-free to help me sleep under $15"))
    assert result.filters == QueryFilters(max_price=Decimal("15.00"), caffeine_free=True)
    assert result.text == "something caffeine-free to help me sleep"
    ids = [p.id for p in result.page.items]
    assert ids[0] == indexed["chamomile-lavender"]
    assert indexed["valerian-reserve"] not in ids  # $18
    assert indexed["english-breakfast"] not in ids  # caffeinated
    assert all(p.price <= Decimal("15") for p in result.page.items)


def test_explicit_form_values_beat_parsed_ones(indexed: dict[str, str], catalog: Catalog, search: HybridSearch) -> None:
    result = search.search(catalog, CatalogQuery(q="herbal tea under $15", max_price=Decimal("20")))
    assert result.filters.max_price == Decimal("15.00")
    assert indexed["valerian-reserve"] in [p.id for p in result.page.items]  # the form said 20
    plain = search.search(catalog, CatalogQuery(q="herbal tea under $15"), understand=False)
    assert plain.text == "herbal tea under $15"


def test_filter_only_queries_list_the_shelf(indexed: dict[str, str], catalog: Catalog, search: HybridSearch) -> None:
    result = search.search(catalog, CatalogQuery(q="under $10 in stock"))
    assert result.text == ""
    assert {p.slug for p in result.page.items} == {"chamomile-lavender", "english-breakfast", "dark-chocolate"}


def test_similar_products_come_from_the_stored_vectors(
    indexed: dict[str, str], catalog: Catalog, search: HybridSearch
) -> None:
    similar = search.similar(indexed["chamomile-lavender"], catalog, n=3)
    assert similar[0].id == indexed["valerian-reserve"]
    assert indexed["chamomile-lavender"] not in [p.id for p in similar]
    coffees = search.similar(indexed["house-espresso"], catalog, n=5, same_category=True)
    assert coffees and {p.category for p in coffees} == {"coffee"}


def test_chroma_where_pushes_down_stable_filters() -> None:
    assert chroma_where(CatalogQuery()) is None
    assert chroma_where(CatalogQuery(category="tea")) == {"category": "tea"}
    assert chroma_where(
        CatalogQuery(min_price=Decimal("5"), max_price=Decimal("15"), in_stock=True),
        QueryFilters(caffeine_free=True),
    ) == {"$and": [{"price": {"$gte": 5.0}}, {"price": {"$lte": 15.0}}, {"caffeine_free": True}]}


def test_likely_searches_are_encoded_before_anyone_searches(
    indexed: dict[str, str], catalog: Catalog, search: HybridSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm-up prepares texts as `search` does, so the search that follows does not run the model."""
    texts = ["Warm-up Kenya tag", "warm-up honey gift under $20"]
    assert search.warm_queries(catalog, texts) == 2
    assert search.warm_queries(catalog, texts) == 0  # already encoded
    embedding = search.store.embedding
    encoded: list[list[str]] = []
    encode = embedding.encode
    monkeypatch.setattr(embedding, "encode", lambda batch: encoded.append(batch) or encode(batch))
    search.search(catalog, CatalogQuery(q="warm-up honey gift under $20"))
    search.search(catalog, CatalogQuery(q="Warm-up Kenya tag"))
    assert encoded == []
    search.search(catalog, CatalogQuery(q="never warmed up query"))
    assert encoded == [["never warmed up query"]]  # the check above can see an encode
