"""Discovery: the embedded document, index sync through catalog events, hybrid ranking, typos, NL filters.

Products go into the real SecantusDB through `product_factory`, the catalog reads them back, vectors
come from the real MiniLM model into a real Chroma under tmp_path. Parser and edit-distance tests
are pure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pymongo.database import Database

from shop.catalog.snapshot import Catalog, CatalogQuery, Product
from shop.discovery.search import (
    HybridSearch,
    KeywordIndex,
    ProductIndex,
    QueryFilters,
    chroma_where,
    edit_distance,
    parse_query,
    product_document,
    product_metadata,
)
from shop.services import ShopServices
from vectorstore import LocalSentenceEmbedding, ProductVectorStore

# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def embedding() -> LocalSentenceEmbedding:
    return LocalSentenceEmbedding()


@pytest.fixture
def store(tmp_path: Path, embedding: LocalSentenceEmbedding) -> ProductVectorStore:
    return ProductVectorStore(tmp_path / "chroma", embedding=embedding)


@pytest.fixture
def catalog(services: ShopServices) -> Catalog:
    return services.catalog


@pytest.fixture
def index(store: ProductVectorStore) -> ProductIndex:
    return ProductIndex(store)


def touch(db: Database, doc: dict[str, Any], **changes: Any) -> None:
    """Update a product the way the admin does: fields plus a fresh updatedAt."""
    db.products.update_one({"_id": doc["_id"]}, {"$set": {**changes, "updatedAt": datetime.now(UTC)}})


SHOP: list[dict[str, Any]] = [
    {
        "slug": "chamomile-lavender",
        "name": "Chamomile & Lavender Herbal Blend",
        "category": "tea",
        "price": Decimal("9.50"),
        "description": "A caffeine-free blend of chamomile and lavender that helps you unwind before bed.",
        "tags": ["tea", "herbal", "caffeine-free", "sleep", "relaxing"],
        "attributes": {"type": "herbal", "caffeine": "none", "notes": "honeyed, floral"},
    },
    {
        "slug": "valerian-reserve",
        "name": "Valerian Reserve Herbal Blend",
        "category": "tea",
        "price": Decimal("18.00"),
        "description": "A caffeine-free bedtime blend of valerian root and lemon balm for deep, restful sleep.",
        "tags": ["tea", "herbal", "caffeine-free", "sleep"],
        "attributes": {"type": "herbal", "caffeine": "none", "notes": "earthy, lemony"},
    },
    {
        "slug": "english-breakfast",
        "name": "English Breakfast",
        "category": "tea",
        "price": Decimal("7.00"),
        "description": "A brisk, malty black tea for mornings; strong enough for milk.",
        "tags": ["tea", "black", "high-caffeine", "breakfast"],
        "attributes": {"type": "black", "caffeine": "high", "notes": "malt, honey"},
    },
    {
        "slug": "yirgacheffe",
        "name": "Ethiopia Yirgacheffe Washed",
        "category": "coffee",
        "price": Decimal("16.00"),
        "description": "A floral washed coffee from Yirgacheffe with jasmine and bergamot.",
        "tags": ["coffee", "single-origin", "ethiopia", "filter"],
        "attributes": {"origin": "Ethiopia", "roast": "light", "caffeine": "caffeinated", "notes": "jasmine"},
    },
    {
        "slug": "house-espresso",
        "name": "House Espresso Roast",
        "category": "coffee",
        "price": Decimal("14.95"),
        "description": "A medium-dark espresso blend with thick crema and cocoa notes.",
        "tags": ["coffee", "blend", "espresso"],
        "attributes": {"origin": "Brazil & Colombia", "roast": "medium-dark", "caffeine": "caffeinated"},
    },
    {
        "slug": "colombia-decaf",
        "name": "Colombia Huila Decaf",
        "category": "coffee",
        "price": Decimal("14.50"),
        "description": "Decaffeinated with the Swiss Water process; sweet caramel and red apple.",
        "tags": ["coffee", "single-origin", "decaf"],
        "attributes": {"origin": "Colombia", "roast": "medium", "caffeine": "decaf"},
    },
    {
        "slug": "dark-chocolate",
        "name": "Dark Chocolate 72% Sea Salt",
        "category": "food",
        "price": Decimal("6.50"),
        "description": "A bar of 72% dark chocolate with flakes of sea salt.",
        "tags": ["food", "chocolate", "vegan"],
        "attributes": {"ingredients": "cocoa mass, cane sugar, sea salt", "weight": "80 g"},
    },
    {
        "slug": "shea-hand-cream",
        "name": "Shea Butter Hand Cream",
        "category": "beauty",
        "price": Decimal("12.00"),
        "description": "A rich hand cream with shea butter for dry, cracked hands.",
        "tags": ["beauty", "hand-cream", "dry"],
        "attributes": {"skinType": "dry", "scent": "unscented"},
    },
]


@pytest.fixture
def shop(product_factory: Any) -> dict[str, dict[str, Any]]:
    return {spec["slug"]: product_factory(**spec) for spec in SHOP}


@pytest.fixture
def indexed(shop: dict[str, dict[str, Any]], catalog: Catalog, index: ProductIndex) -> dict[str, str]:
    """The small shop, indexed; returns slug -> product id."""
    index.sync(catalog)
    return {slug: str(doc["_id"]) for slug, doc in shop.items()}


@pytest.fixture
def search(store: ProductVectorStore) -> HybridSearch:
    return HybridSearch(store)


def names(catalog: Catalog, ids: Iterator[str] | list[str]) -> list[str]:
    return [p.name for p in (catalog.get(i) for i in ids) if p is not None]


def ranked(scores: dict[str, float]) -> list[str]:
    return sorted(scores, key=lambda pid: -scores[pid])


# --- what gets embedded -------------------------------------------------------------------------


def test_product_document_and_metadata(shop: dict[str, dict[str, Any]], catalog: Catalog) -> None:
    product = catalog.by_slug("chamomile-lavender")
    assert product is not None
    document = product_document(product)
    assert document.startswith("Chamomile & Lavender Herbal Blend. Tea.")
    assert "caffeine: none" in document
    assert "caffeine free" in document  # tags as words
    assert "unwind before bed" in document
    assert "9.50" not in document  # prices are filters, not meaning

    cream = catalog.by_slug("shea-hand-cream")
    assert cream is not None
    assert "skin type: dry" in product_document(cream)

    assert product_metadata(product) == {
        "category": "tea",
        "price": 9.5,
        "in_stock": True,
        "rating": 0.0,
        "caffeine_free": True,
    }
    espresso = catalog.by_slug("house-espresso")
    decaf = catalog.by_slug("colombia-decaf")
    assert espresso is not None and decaf is not None
    assert product_metadata(espresso)["caffeine_free"] is False
    assert product_metadata(decaf)["caffeine_free"] is True


# --- keeping the index in sync ------------------------------------------------------------------


def test_sync_embeds_only_what_changed(
    db: Database, shop: dict[str, dict[str, Any]], catalog: Catalog, index: ProductIndex, store: ProductVectorStore
) -> None:
    first = index.sync(catalog)
    assert (first.embedded, first.unchanged, first.deleted) == (len(SHOP), 0, 0)
    assert store.count() == len(SHOP)

    again = index.sync(catalog)
    assert (again.embedded, again.metadata_updated, again.unchanged) == (0, 0, len(SHOP))

    espresso, honeyless = shop["house-espresso"], shop["english-breakfast"]
    touch(db, espresso, price=Decimal("11.00"), stock=0)  # filters only: no new vector
    touch(db, honeyless, description="A brisk, malty black tea. Now with Assam leaves.")  # meaning changed
    touch(db, shop["dark-chocolate"], deletedAt=datetime.now(UTC))  # soft delete
    report = index.sync(catalog)
    assert (report.embedded, report.metadata_updated, report.deleted) == (1, 1, 1)
    meta = store.metadata([str(espresso["_id"])])[str(espresso["_id"])]
    assert meta["price"] == 11.0
    assert meta["in_stock"] is False
    assert str(shop["dark-chocolate"]["_id"]) not in store.ids()


def test_rebuild_reembeds_everything(
    shop: dict[str, dict[str, Any]], catalog: Catalog, index: ProductIndex, store: ProductVectorStore
) -> None:
    index.sync(catalog)
    store.upsert(["orphan"], ["a vector no product owns"])
    progress: list[tuple[int, int]] = []
    report = index.rebuild(catalog, progress=lambda done, total: progress.append((done, total)))
    assert report.embedded == len(SHOP)
    assert progress[-1] == (len(SHOP), len(SHOP))
    assert "orphan" not in store.ids()
    assert store.count() == len(SHOP)


def test_attached_index_follows_creates_updates_and_deletes(
    db: Database, product_factory: Any, catalog: Catalog, index: ProductIndex, store: ProductVectorStore
) -> None:
    index.attach(catalog)
    assert store.count() == 0  # attaching never embeds the initial snapshot inline

    doc = product_factory(name="Peppermint Evening Tisane", category="tea", description="Cool peppermint.")
    pid = str(doc["_id"])
    catalog.all()  # the next read sees the new product and fires on_change
    assert pid in store.ids()
    fingerprint = store.fingerprints()[pid]

    touch(db, doc, name="Peppermint & Liquorice Tisane")
    catalog.all()
    assert store.fingerprints()[pid] != fingerprint
    assert store.query("liquorice", 1)[0][0] == pid

    touch(db, doc, price=Decimal("3.00"))
    catalog.all()
    assert store.metadata([pid])[pid]["price"] == 3.0

    touch(db, doc, deletedAt=datetime.now(UTC))
    catalog.all()
    assert pid not in store.ids()


def test_a_failing_index_never_breaks_the_catalog(
    product_factory: Any,
    catalog: Catalog,
    index: ProductIndex,
    store: ProductVectorStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index.attach(catalog)

    def broken(*_args: Any, **_kwargs: Any) -> int:
        raise RuntimeError("chroma is down")

    monkeypatch.setattr(store, "upsert", broken)
    doc = product_factory(name="Rooibos Vanilla", category="tea")
    assert catalog.get(str(doc["_id"])) is not None  # the page still renders
    assert index.dirty
    monkeypatch.undo()
    index.sync(catalog)
    assert not index.dirty
    assert str(doc["_id"]) in store.ids()


def test_changes_during_a_long_sync_are_queued_not_waited_for(
    product_factory: Any,
    catalog: Catalog,
    index: ProductIndex,
    store: ProductVectorStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index.attach(catalog)
    started, release = threading.Event(), threading.Event()
    real_metadata = store.metadata

    def slow_metadata(ids: Any = None) -> dict[str, dict[str, Any]]:
        if ids is None:  # the full listing that sync starts with
            started.set()
            release.wait(30)
        return real_metadata(ids)

    monkeypatch.setattr(store, "metadata", slow_metadata)
    syncing = threading.Thread(target=index.sync, args=(catalog,))
    syncing.start()
    assert started.wait(30)

    doc = product_factory(name="Hibiscus Cooler", category="tea")
    began = time.monotonic()
    assert catalog.get(str(doc["_id"])) is not None
    assert time.monotonic() - began < 2  # the page did not wait behind the sync
    assert str(doc["_id"]) not in real_metadata()

    release.set()
    syncing.join(60)
    assert str(doc["_id"]) in store.ids()  # the sync applied the queued change before letting go


def test_big_change_batches_are_indexed_in_the_background(
    product_factory: Any, catalog: Catalog, store: ProductVectorStore
) -> None:
    index = ProductIndex(store, inline_limit=1)
    index.attach(catalog)
    docs = [product_factory(name=f"Bulk Import Blend {n}", category="tea") for n in range(3)]
    catalog.all()
    assert index.wait_idle(60)
    assert {str(d["_id"]) for d in docs} <= set(store.ids())


# --- hybrid ranking -----------------------------------------------------------------------------


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


# --- the keyword index --------------------------------------------------------------------------


def test_keyword_index_refresh_matches_a_fresh_build(
    db: Database, shop: dict[str, dict[str, Any]], catalog: Catalog
) -> None:
    old = KeywordIndex(catalog.all())
    touch(db, shop["english-breakfast"], name="Irish Breakfast", stock=0)
    touch(db, shop["dark-chocolate"], deletedAt=datetime.now(UTC))
    products = catalog.all()
    patched = old.refreshed(products)
    fresh = KeywordIndex(products)
    assert patched.vocabulary == fresh.vocabulary
    assert {t: sorted(p) for t, p in patched.postings.items()} == {t: sorted(p) for t, p in fresh.postings.items()}
    assert "english" in old.postings and "english" not in patched.postings


def test_keyword_expansions(shop: dict[str, dict[str, Any]], catalog: Catalog) -> None:
    index = KeywordIndex(catalog.all())
    assert index.expand("espresso") == [("espresso", 1.0)]
    assert ("chocolate", 0.7) in index.expand("chocolat")
    assert index.expand("expresso") == [("espresso", 0.6)]
    assert index.expand("creams") == [("cream", 0.9)]
    assert index.expand("calming") == []  # "warming"-style two-edit guesses are not made for 7 letters
    assert index.expand("tee") == []  # short words are never guessed
    assert index.correct("camomile and lavendar") == "chamomile and lavender"
    assert index.correct("herbal tea") == "herbal tea"
    assert index.correct("yirgacheff chocolat") == "yirgacheffe chocolate"  # words cut short are completed
    assert index.correct("dark choc") == "dark choc"  # but not short stubs


def test_edit_distance() -> None:
    assert edit_distance("expresso", "espresso", 2) == 1
    assert edit_distance("camomile", "chamomile", 2) == 1
    assert edit_distance("teh", "the", 1) == 1  # a transposition is one edit
    assert edit_distance("coffee", "toffee", 1) == 1
    assert edit_distance("coffee", "cocoa", 1) == 2  # above the limit: limit + 1


def test_chroma_where_pushes_down_stable_filters() -> None:
    assert chroma_where(CatalogQuery()) is None
    assert chroma_where(CatalogQuery(category="tea")) == {"category": "tea"}
    assert chroma_where(
        CatalogQuery(min_price=Decimal("5"), max_price=Decimal("15"), in_stock=True),
        QueryFilters(caffeine_free=True),
    ) == {"$and": [{"price": {"$gte": 5.0}}, {"price": {"$lte": 15.0}}, {"caffeine_free": True}]}


# --- the natural-language parser ----------------------------------------------------------------

D = Decimal


@pytest.mark.parametrize(
    ("text", "remaining", "filters"),
    [
        (
            "something caffeine-free to help me sleep under $15",
            "something caffeine-free to help me sleep",
            QueryFilters(max_price=D("15"), caffeine_free=True),
        ),
        ("green tea under 10", "green tea", QueryFilters(category="tea", max_price=D("10"))),
        ("coffee less than 20 dollars", "coffee", QueryFilters(category="coffee", max_price=D("20"))),
        ("gift between 10 and 20", "gift", QueryFilters(min_price=D("10"), max_price=D("20"))),
        ("gift between $20 and $10", "gift", QueryFilters(min_price=D("10"), max_price=D("20"))),
        ("chocolate $5-$9.50", "chocolate", QueryFilters(min_price=D("5"), max_price=D("9.50"))),
        ("honey over 30", "honey", QueryFilters(min_price=D("30"))),
        ("face cream $25 or more", "face cream", QueryFilters(category="beauty", min_price=D("25"))),
        ("tea for under $8", "tea", QueryFilters(category="tea", max_price=D("8"))),
        ("decaf espresso", "decaf espresso", QueryFilters(category="coffee", caffeine_free=True)),
        ("tea without caffeine", "tea caffeine-free", QueryFilters(category="tea", caffeine_free=True)),
        ("hand cream in stock", "hand cream", QueryFilters(category="beauty", in_stock=True)),
        ("green tea hand cream", "green tea hand cream", QueryFilters(category="beauty")),
        # Not prices: units, percentages, bare numbers.
        ("chocolate over 70% cocoa", "chocolate over 70% cocoa", QueryFilters()),
        ("tea that steeps in under 3 minutes", "tea that steeps in under 3 minutes", QueryFilters(category="tea")),
        ("coffee 250 g", "coffee 250 g", QueryFilters(category="coffee")),
        ("72 dark chocolate", "72 dark chocolate", QueryFilters()),
        # Not categories: accompaniments and other kinds of products.
        ("biscuits to go with my tea", "biscuits to go with my tea", QueryFilters()),
        ("something sweet for my coffee", "something sweet for my coffee", QueryFilters()),
        ("vanilla syrup coffee", "vanilla syrup coffee", QueryFilters()),
        ("ice cream", "ice cream", QueryFilters()),
        ("tea tree cream", "tea tree cream", QueryFilters()),
        ("coffee or tea", "coffee or tea", QueryFilters()),
        # Contradictions are dropped rather than guessed.
        ("tea over 30 under 10", "tea", QueryFilters(category="tea")),
        ("", "", QueryFilters()),
    ],
)
def test_parse_query(text: str, remaining: str, filters: QueryFilters) -> None:
    assert parse_query(text) == (remaining, filters)


def test_parsed_filters_merge_into_a_catalog_query() -> None:
    _, filters = parse_query("decaf coffee between 10 and 15 in stock")
    merged = filters.merged_into(CatalogQuery(q="x", category="tea"))
    assert merged.category == "tea"  # the form said tea
    assert (merged.min_price, merged.max_price, merged.in_stock) == (D("10"), D("15"), True)
    assert bool(filters) and not bool(QueryFilters())
    decaf = Product.from_doc(
        {"_id": "0" * 24, "slug": "d", "name": "D", "price": D("1"), "attributes": {"caffeine": "decaf"}}
    )
    assert filters.admits(decaf)


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
