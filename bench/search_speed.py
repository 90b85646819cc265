"""Speed of product discovery on the 2,000-product demo catalog: indexing, search, similar products.

Builds the deterministic demo shop in memory (no database: the catalog snapshot is fed from the
generated documents), embeds it into a temporary Chroma directory with the real MiniLM model, then
times each way of searching over a fixed set of realistic queries (typos and natural-language
filters included) and prints p50 / p95. The query-vector cache is OFF, so every search pays for one
embedding, as a first-time query does; the figure with the cache on is printed separately.

Targets: search p95 < 40 ms, similar products p95 < 20 ms.

    .venv/bin/python bench/search_speed.py [--products 2000] [--rounds 3] [--index-dir DIR]

`--index-dir` keeps the Chroma index between runs (a second run re-embeds nothing: fingerprints).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

# Before torch is imported (vectorstore.embeddings sets them too; being explicit costs nothing).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pymongo.database import Database

from shop.catalog import Catalog, CatalogQuery
from shop.demo import build_demo_shop
from shop.search import HybridSearch, ProductIndex
from vectorstore import LocalSentenceEmbedding, ProductVectorStore

QUERIES = [
    "something caffeine-free to help me sleep under $15",
    "strong black tea for breakfast",
    "fruity coffee for filter",
    "gift for someone with dry skin",
    "something for chapped lips",
    "vegan snack",
    "iced coffee for summer",
    "decaf colombia",
    "nutty chocolatey espresso under 20",
    "calming herbal tea",
    "unscented cream for sensitive skin",
    "green tea between 10 and 25",
    "honey",
    "lavender",
    "coffee",
    "yirgacheff",
    "camomile",
    "expresso",
    "chocolat",
    "lavendar hand cream",
]


class _Products:
    """Just enough of a pymongo collection for Catalog to load a snapshot from generated documents."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs

    def find(self, filter: dict[str, Any] | None = None, *_args: Any, **_kwargs: Any) -> list[dict[str, Any]]:
        return list(self.docs) if not filter else []  # incremental refreshes find nothing new


class _Db:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.products = _Products(docs)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return p50, p95


def timed(label: str, calls: list[Callable[[], object]], target: float | None = None) -> tuple[float, float]:
    for call in calls[:3]:  # warm caches of the code paths, not of the query vectors
        call()
    samples = []
    for call in calls:
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(samples)
    verdict = "" if target is None else ("  OK" if p95 < target else f"  OVER TARGET ({target:.0f} ms)")
    print(f"  {label:<34} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   (n={len(samples)}){verdict}")
    return p50, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the query set per measurement")
    parser.add_argument("--index-dir", type=Path, default=None, help="keep the Chroma index here between runs")
    args = parser.parse_args()

    started = time.perf_counter()
    demo = build_demo_shop(n_products=args.products)
    catalog = Catalog(cast(Database, _Db(demo.products)), refresh_seconds=3600)
    products = catalog.all()
    print(f"Demo catalog: {len(products)} products built in {time.perf_counter() - started:.1f} s")

    embedding = LocalSentenceEmbedding(query_cache_size=0)
    started = time.perf_counter()
    embedding.warm_up()
    print(f"Model load + first encode: {time.perf_counter() - started:.1f} s")

    with tempfile.TemporaryDirectory(prefix="aishop-chroma-") as scratch:
        store = ProductVectorStore(args.index_dir or Path(scratch) / "chroma", embedding=embedding)
        index = ProductIndex(store)
        last_report = [0.0]

        def progress(done: int, total: int) -> None:
            if time.perf_counter() - last_report[0] > 10 or done == total:
                last_report[0] = time.perf_counter()
                print(f"  embedded {done}/{total}", flush=True)

        started = time.perf_counter()
        report = index.sync(catalog, progress=progress)
        elapsed = time.perf_counter() - started
        rate = f"{report.embedded / elapsed:.0f} products/s" if report.embedded else "nothing to embed"
        print(f"Indexing: {report} in {elapsed:.1f} s ({rate})")
        started = time.perf_counter()
        again = index.sync(catalog)
        print(f"Re-sync of an unchanged catalog: {(time.perf_counter() - started) * 1000:.0f} ms ({again})")

        hybrid = HybridSearch(store)
        keyword_only = HybridSearch(None)
        cached = HybridSearch(ProductVectorStore(store.location, embedding=LocalSentenceEmbedding()))
        rng = random.Random(1)
        ids = [p.id for p in products]
        queries = QUERIES * args.rounds
        neighbour_ids = [rng.choice(ids) for _ in queries]

        print(f"\nLatency over {len(QUERIES)} queries x {args.rounds} rounds (query-vector cache off unless noted):")
        timed("query embedding (MiniLM, 1 text)", [lambda q=q: embedding.encode([q]) for q in queries])
        timed(
            "hybrid search (parse+fuse+page)",
            [lambda q=q: hybrid.search(catalog, CatalogQuery(q=q)) for q in queries],
            target=40,
        )
        for q in QUERIES:  # fill the cache, then time the repeat visits (pagination, sort changes)
            cached.search(catalog, CatalogQuery(q=q))
        timed(
            "hybrid search, query vector cached",
            [lambda q=q: cached.search(catalog, CatalogQuery(q=q)) for q in queries],
        )
        timed("semantic only (store.query top 40)", [lambda q=q: store.query(q, 40) for q in queries])
        timed(
            "keyword only (typo-tolerant+page)",
            [lambda q=q: keyword_only.search(catalog, CatalogQuery(q=q)) for q in queries],
        )
        timed("neighbours_of (top 10)", [lambda i=i: store.neighbours_of(i, 10) for i in neighbour_ids], target=20)
        timed(
            "similar() (neighbours + catalog)",
            [lambda i=i: hybrid.similar(i, catalog, 6) for i in neighbour_ids],
            target=20,
        )
        timed(
            "similar(), same category",
            [lambda i=i: hybrid.similar(i, catalog, 6, same_category=True) for i in neighbour_ids],
            target=20,
        )

        print("\nExamples (first 3 results):")
        for q in ("something caffeine-free to help me sleep under $15", "expresso", "camomile", "chocolat"):
            result = hybrid.search(catalog, CatalogQuery(q=q, page_size=3))
            understood = {k: str(v) for k, v in vars(result.filters).items() if v}
            print(f"  {q!r} -> text {result.text!r} filters {understood} total {result.page.total}")
            for product in result.page.items:
                print(f"      {product.name} ({product.category}, ${product.price})")


if __name__ == "__main__":
    main()
