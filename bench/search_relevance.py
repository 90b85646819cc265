"""Search relevance on the demo catalog: nDCG@10 and recall@10 of keyword, semantic and hybrid ranking.

The labelled queries are in bench/data/search_queries.json (graded 1-3 by the rules in
bench/search_labels.py, written against `build_demo_shop()` with 160 products). All three rankers
see the same query understanding (shop.discovery.query.parse_query: prices, "caffeine-free", category hints)
and the same filters, so only the RANKING differs:

- keyword:  HybridSearch without a vector store (typo-tolerant weighted keywords),
- semantic: the parsed text embedded as is, nearest products by cosine, filtered the same way,
- hybrid:   HybridSearch as the storefront runs it (reciprocal-rank fusion of the two).

nDCG@10 uses gains 2^grade - 1 against the ideal ordering of all labelled products; recall@10 is
the share of labelled products in the top 10, out of min(10, number labelled) so that a query with
twenty right answers can still score 1.0.

    .venv/bin/python bench/search_relevance.py [--index-dir DIR] [--show-worst 5]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.offline_catalog import indexed_store, snapshot_catalog
from demo.seed import build_demo_shop
from shop.catalog.snapshot import CatalogQuery, on_shelf
from shop.discovery.hybrid import HybridSearch
from shop.discovery.query import parse_query

DATA = Path(__file__).resolve().parent / "data" / "search_queries.json"
K = 10


def ndcg(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    dcg = sum((2 ** grades.get(slug, 0) - 1) / math.log2(i + 2) for i, slug in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    found = sum(1 for slug in ranked[:k] if grades.get(slug, 0) > 0)
    return found / min(k, len(grades))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=None, help="keep the Chroma index here between runs")
    parser.add_argument("--show-worst", type=int, default=0, help="print the N worst hybrid queries")
    args = parser.parse_args()

    labels = json.loads(DATA.read_text())["queries"]
    demo = build_demo_shop(n_products=160)
    catalog = snapshot_catalog(demo.products)
    slug_of = {p.id: p.slug for p in catalog.all()}

    with tempfile.TemporaryDirectory(prefix="aishop-relevance-") as scratch:
        store = indexed_store(catalog, args.index_dir or Path(scratch) / "chroma")
        hybrid = HybridSearch(store)
        keyword = HybridSearch(None)

        def by_search(search: HybridSearch) -> Callable[[str], list[str]]:
            def run(q: str) -> list[str]:
                return [p.slug for p in search.search(catalog, CatalogQuery(q=q, page_size=K)).page.items]

            return run

        def semantic(q: str) -> list[str]:
            text, filters = parse_query(q, catalog.all_categories())
            shelf = filters.merged_into(CatalogQuery())
            ranked = []
            for pid, _distance in store.query(text or q, 200):
                product = catalog.get(pid)
                if product is not None and on_shelf(product, shelf) and filters.admits(product):
                    ranked.append(slug_of[pid])
                if len(ranked) == K:
                    break
            return ranked

        rankers = {"keyword": by_search(keyword), "semantic": semantic, "hybrid": by_search(hybrid)}
        results: dict[str, dict[str, tuple[float, float]]] = {name: {} for name in rankers}
        for item in labels:
            for name, rank in rankers.items():
                ranked = rank(item["query"])
                results[name][item["query"]] = (ndcg(ranked, item["relevant"]), recall(ranked, item["relevant"]))

    kinds = sorted({item["kind"] for item in labels})
    counts = ", ".join(f"{k}: {sum(i['kind'] == k for i in labels)}" for k in kinds)
    print(f"{len(labels)} labelled queries ({counts})")
    print(f"{'':10} {'nDCG@10':>8} {'recall@10':>10}   " + "   ".join(f"nDCG {k:<8}" for k in kinds))
    for name in rankers:
        scores = results[name]
        mean_ndcg = statistics.fmean(s[0] for s in scores.values())
        mean_recall = statistics.fmean(s[1] for s in scores.values())
        per_kind = "   ".join(
            f"{statistics.fmean(scores[i['query']][0] for i in labels if i['kind'] == k):13.3f}" for k in kinds
        )
        print(f"{name:10} {mean_ndcg:8.3f} {mean_recall:10.3f}   {per_kind}")
    if args.show_worst:
        print("\nWorst hybrid queries (nDCG@10: keyword / semantic / hybrid):")
        worst = sorted(labels, key=lambda i: results["hybrid"][i["query"]][0])[: args.show_worst]
        for item in worst:
            q = item["query"]
            print(
                f"  {q!r:45} {results['keyword'][q][0]:.2f} / {results['semantic'][q][0]:.2f} / {results['hybrid'][q][0]:.2f}"
            )


if __name__ == "__main__":
    main()
