"""Speed of discovery on the 2,000-product demo shop in the embedded default set-up.

Everything real: SecantusDB as a separate server, the demo shop seeded into it (2,000 products,
~11.5k orders), Chroma on disk with MiniLM vectors, the services the app runs. Prints p50/p95 of
suggestions, hybrid search, similar products, bought-together, "recommended for you" (including
the visitor's history read from MongoDB) and the product and home pages through the ASGI app, plus
the co-purchase build time and, with --reindex, a full re-embedding in products/s.

Targets: search p95 < 40 ms, similar p95 < 20 ms, recommendations p95 < 50 ms.

    .venv/bin/python bench/discovery_speed.py [--data-dir DIR] [--reindex] [--rounds 3]

`--data-dir` reuses a DATA_DIR seeded and indexed before (`DATA_DIR=DIR python -m app seed
--products 2000 && DATA_DIR=DIR python -m app reindex`); without it the shop is seeded and embedded
into a temporary directory first (about two minutes on two cores).
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

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.embedded_mongo import EmbeddedMongo
from demo.seed import seed_demo_shop
from shop.catalog.snapshot import CatalogQuery
from shop.core.db import connect, database, ensure_indexes
from shop.core.settings import Settings
from shop.services import ShopServices
from vectorstore import LocalSentenceEmbedding, ProductVectorStore

QUERIES = [
    "something caffeine-free to help me sleep under $15",
    "strong black tea for breakfast",
    "fruity coffee for filter",
    "gift for someone with dry skin",
    "vegan snack",
    "iced coffee for summer",
    "decaf colombia",
    "nutty chocolatey espresso under 20",
    "calming herbal tea",
    "unscented cream for sensitive skin",
    "honey",
    "lavender",
    "yirgacheff",
    "camomile",
    "expresso",
    "chocolat",
]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(label: str, calls: list[Callable[[], object]], target: float | None = None, warm: int = 3) -> None:
    for call in calls[:warm]:
        call()
    samples = []
    for call in calls:
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(samples)
    verdict = "" if target is None else ("  OK" if p95 < target else f"  OVER TARGET ({target:.0f} ms)")
    print(f"  {label:<44} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   (n={len(samples)}){verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--visitors", type=int, default=150)
    parser.add_argument("--reindex", action="store_true", help="also time a full re-embedding")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="aishop-speed-") as scratch:
        data_dir = args.data_dir or Path(scratch)
        with EmbeddedMongo(data_dir / "db") as mongo:
            client = connect(mongo.uri)
            db = database(client, "aishop")
            ensure_indexes(db)
            if db.products.estimated_document_count() == 0:
                started = time.perf_counter()
                seed_demo_shop(db, data_dir / "media", n_products=args.products)
                print(f"Seeded the demo shop in {time.perf_counter() - started:.1f} s")
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                mongodb_uri=mongo.uri,
                mongodb_db="aishop",
                data_dir=data_dir,
                seed_demo=False,
                catalog_refresh_seconds=1.0,
            )
            embedding = LocalSentenceEmbedding(query_cache_size=0)  # every search pays for its embedding
            store = ProductVectorStore(settings.chroma_location, embedding=embedding)
            services = ShopServices.build(db, settings, background_mail=False, vector_store=store)
            try:
                run(services, store, args)
            finally:
                services.close()
                client.close()


def run(services: ShopServices, store: ProductVectorStore, args: argparse.Namespace) -> None:
    catalog = services.catalog
    products = catalog.all()
    print(f"Catalog: {len(products)} products; orders: {services.db.orders.estimated_document_count()}")
    assert services.product_index is not None
    started = time.perf_counter()
    store.embedding.warm_up()
    print(f"Model load + first encode: {time.perf_counter() - started:.1f} s")

    def progress(done: int, total: int) -> None:
        print(f"  embedded {done}/{total}", flush=True)

    started = time.perf_counter()
    report = services.product_index.sync(catalog, progress=progress)
    print(f"Vector index sync: {report} in {time.perf_counter() - started:.1f} s")
    if args.reindex:
        started = time.perf_counter()
        report = services.product_index.rebuild(catalog, progress=progress)
        elapsed = time.perf_counter() - started
        print(
            f"Full reindex: {report.embedded} products in {elapsed:.1f} s = {report.embedded / elapsed:.1f} products/s"
        )
    assert services.search.ready is not None
    services.search.ready.set()

    started = time.perf_counter()
    services.copurchase.refresh(full=True)
    stats = services.copurchase.stats
    print(
        f"Co-purchase statistics: {stats.order_count} orders, {len(stats.neighbours)} products with partners, "
        f"built in {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    started = time.perf_counter()
    services.copurchase.refresh()
    print(f"Incremental co-purchase refresh (nothing new): {(time.perf_counter() - started) * 1000:.0f} ms")

    # Visitors with histories drawn from real customers' orders (views, carts, purchases, searches).
    rng = random.Random(3)
    orders = list(services.db.orders.find({"status": {"$ne": "cancelled"}}, {"products": 1}).limit(3000))
    visitors = [f"bench-visitor-{n:04d}" for n in range(args.visitors)]
    started = time.perf_counter()
    recorded = 0
    for visitor in visitors:
        for order in rng.sample(orders, rng.randint(1, 6)):
            for line in order["products"]:
                pid = str(line["productId"])
                for kind in rng.choice((("view",), ("view", "cart"), ("view", "cart", "purchase"))):
                    services.interactions.record(visitor, kind, product_id=pid)  # type: ignore[arg-type]
                    recorded += 1
        services.interactions.record(visitor, "search", query=rng.choice(QUERIES))
        recorded += 1
    queued = time.perf_counter() - started
    services.interactions.flush(60)
    print(
        f"Interactions: {recorded} recorded in {queued * 1000:.0f} ms on the request side "
        f"({queued / recorded * 1e6:.0f} µs each), written in {time.perf_counter() - started:.1f} s in the background"
    )

    queries = QUERIES * args.rounds
    ids = [p.id for p in products]
    picks = [rng.choice(ids) for _ in queries]
    prefixes = [q[: rng.randint(3, len(q))] for q in queries]
    recommender = services.recommender

    print(f"\nLatency ({len(QUERIES)} queries x {args.rounds} rounds; query-vector cache off):")
    timed(
        "suggestions (keyword prefix, 6 products)", [lambda q=q: services.search.suggest(catalog, q) for q in prefixes]
    )
    timed(
        "hybrid search (parse + embed + fuse + page)",
        [lambda q=q: services.search.search(catalog, CatalogQuery(q=q)) for q in queries],
        target=40,
    )
    recommender._content_cache.clear()
    timed("similar products, first look (Chroma)", [lambda i=i: recommender.similar(i, 4) for i in picks], 20, 0)
    timed("similar products, cached neighbours", [lambda i=i: recommender.similar(i, 4) for i in picks], 20)
    timed("frequently bought together", [lambda i=i: recommender.bought_together(i, 4) for i in picks], 20)
    recommender._content_cache.clear()
    timed(
        "recommended for you (history from MongoDB)",
        [lambda v=v: recommender.for_visitor(v, 8) for v in visitors],
        target=50,
        warm=0,
    )
    timed("trending (new visitor)", [lambda: recommender.trending(8) for _ in visitors])

    from fastapi.testclient import TestClient

    from app.main import create_app

    slugs = [catalog.get(i).slug for i in picks]  # type: ignore[union-attr]
    with TestClient(create_app(services.settings, services)) as client:
        client.get("/")
        timed(
            "GET /products/{slug} (all extras, new visitor)", [lambda s=s: client.get(f"/products/{s}") for s in slugs]
        )
        client.cookies.set("aishop_sid", visitors[0].ljust(32, "x")[:32])
        for slug in slugs[:5]:
            client.get(f"/products/{slug}")
        services.interactions.flush()
        timed("GET / (returning visitor: recommended for you)", [lambda: client.get("/") for _ in slugs])
        timed("GET /search/suggest", [lambda q=q: client.get("/search/suggest", params={"q": q}) for q in prefixes])
        timed("GET /api/recommendations", [lambda: client.get("/api/recommendations") for _ in slugs], target=50)


if __name__ == "__main__":
    main()
