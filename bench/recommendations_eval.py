"""Offline evaluation of "recommended for you": leave-last-purchase-out on the demo order history.

For every demo customer with at least two orders, the LAST purchased item (the last line of their
most recent order) is held out. Everything bought before it is the visitor's history: earlier
orders as purchases, the earlier lines of that last order as the cart they had at that moment
(exactly the situation of a shopper with a basket, on the home or cart page). The recommender gets
that history and must put the held-out item in its top 10; the popularity baseline recommends the
all-time best sellers. Items in the cart are excluded from both lists.

No leakage: the co-purchase statistics and the popularity counts are built from the order history
WITHOUT the evaluated customers' last orders. Today's stock is ignored (the held-out purchases
happened in the past, when the product was available), so both lists may contain any product.

A stricter variant holds out the whole last order (history = earlier orders only; a hit is any item
of that order). The demo generator draws each order from global popularity, independently of the
customer's earlier orders, so there is no personal taste to learn there: expect the recommender to
be about as good as popularity in that variant. It is printed so nobody mistakes one for the other.

    .venv/bin/python bench/recommendations_eval.py [--index-dir DIR] [--no-embeddings]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.offline_catalog import indexed_store, snapshot_catalog
from demo.seed import build_demo_shop
from shop.discovery.hybrid import HybridSearch
from shop.discovery.interactions import Interaction
from shop.discovery.recommendations import Blend, CoPurchaseStats, Recommender

K = 10


def rank_metrics(ranked: list[str], targets: set[str]) -> tuple[float, float]:
    """(hit, NDCG@K) for binary relevance; several targets share the ideal DCG of |targets| hits."""
    dcg = sum(1 / math.log2(i + 2) for i, pid in enumerate(ranked[:K]) if pid in targets)
    idcg = sum(1 / math.log2(i + 2) for i in range(min(K, len(targets))))
    return (1.0 if dcg > 0 else 0.0), (dcg / idcg if idcg else 0.0)


def evaluate(
    cases: list[tuple[list[Interaction], set[str], set[str], datetime]],
    recommend: Callable[[list[Interaction], set[str], datetime], list[str]],
) -> tuple[float, float]:
    hits = ndcgs = 0.0
    for history, cart, targets, at in cases:
        hit, ndcg = rank_metrics(recommend(history, cart, at), targets)
        hits += hit
        ndcgs += ndcg
    return hits / len(cases), ndcgs / len(cases)


def tune(
    cases: list[tuple[list[Interaction], set[str], set[str], datetime]],
    make: Callable[[Blend], Callable[[list[Interaction], set[str], datetime], list[str]]],
    baseline: Callable[[list[Interaction], set[str], datetime], list[str]],
) -> None:
    """Choose blend weights on half of the customers (validation), report them on the other half.

    How the defaults in shop.discovery.recommendations.Blend were chosen; the split is fixed (every other
    customer in order of first purchase) so the choice is reproducible.
    """
    validation, test = cases[0::2], cases[1::2]
    grid = [
        Blend(copurchase=1.0, content=content, popularity=popularity)
        for content in (0.0, 0.1, 0.25, 0.5)
        for popularity in (0.1, 0.3, 0.6, 1.0)
    ]
    scored = sorted(((evaluate(validation, make(blend))[1], blend) for blend in grid), key=lambda s: -s[0])
    for ndcg, blend in scored[:5]:
        print(f"  validation NDCG@10 {ndcg:.3f}  {blend}")
    best = scored[0][1]
    base = evaluate(test, baseline)
    chosen = evaluate(test, make(best))
    print(f"Test half (n={len(test)}): popularity HitRate@10 {base[0]:.3f} NDCG@10 {base[1]:.3f}; ")
    print(f"  {best}: HitRate@10 {chosen[0]:.3f} NDCG@10 {chosen[1]:.3f}")


def lines(order: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(str(line["productId"]) for line in order["products"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=160)
    parser.add_argument("--index-dir", type=Path, default=None, help="keep the Chroma index here between runs")
    parser.add_argument("--no-embeddings", action="store_true", help="content similarity from keyword terms only")
    parser.add_argument("--tune", action="store_true", help="choose blend weights on a validation half instead")
    args = parser.parse_args()

    demo = build_demo_shop(n_products=args.products)
    # Stock is today's; the held-out purchases happened when the product was available.
    docs = [{**doc, "stock": max(int(doc["stock"]), 1)} for doc in demo.products]
    catalog = snapshot_catalog(docs)
    catalog.all()

    orders = sorted((o for o in demo.orders if o["status"] != "cancelled"), key=lambda o: (o["createdAt"], o["_id"]))
    by_customer: dict[str, list[dict[str, Any]]] = {}
    for order in orders:
        by_customer.setdefault(order["email"], []).append(order)
    evaluated = {email: history for email, history in by_customer.items() if len(history) >= 2}
    held_out = {history[-1]["_id"] for history in evaluated.values()}
    training = [o for o in orders if o["_id"] not in held_out]
    end = max(o["createdAt"] for o in training)
    stats = CoPurchaseStats.from_orders(training, now=end)
    popularity = Counter(pid for order in training for pid in lines(order))
    popular = [pid for pid, _ in popularity.most_common()]

    item_cases: list[tuple[list[Interaction], set[str], set[str], datetime]] = []
    order_cases: list[tuple[list[Interaction], set[str], set[str], datetime]] = []
    for history in evaluated.values():
        last = history[-1]
        bought = [Interaction("purchase", pid, None, o["createdAt"]) for o in history[:-1] for pid in lines(o)]
        basket = lines(last)
        item_cases.append((bought, set(basket[:-1]), {basket[-1]}, last["createdAt"]))
        order_cases.append((bought, set(), set(basket), last["createdAt"]))

    print(
        f"Demo shop: {len(demo.products)} products, {len(orders)} orders; {len(evaluated)} customers with 2+ orders; "
        f"training on {len(training)} orders"
    )

    with tempfile.TemporaryDirectory(prefix="aishop-recs-") as scratch:
        store = None if args.no_embeddings else indexed_store(catalog, args.index_dir or Path(scratch) / "chroma")
        search = HybridSearch(store)

        def recommender_with(blend: Blend) -> Callable[[list[Interaction], set[str], datetime], list[str]]:
            recommender = Recommender(catalog, search, blend=blend, stats=stats)

            def run(history: list[Interaction], cart: set[str], at: datetime) -> list[str]:
                with_cart = [*history, *(Interaction("cart", pid, None, at) for pid in cart)]
                profile = recommender.profile(with_cart, now=at)
                if not profile:
                    return [p.id for p in recommender.trending(K, exclude=cart)]
                return [p.id for p in recommender.recommend(profile, K, exclude=cart)]

            return run

        def baseline(_history: Iterable[Interaction], cart: set[str], _at: datetime) -> list[str]:
            return [pid for pid in popular if pid not in cart][:K]

        if args.tune:
            tune(item_cases, recommender_with, baseline)
            return
        default = Blend()
        systems: list[tuple[str, Callable[[list[Interaction], set[str], datetime], list[str]]]] = [
            ("popularity (baseline)", baseline),
            (f"recommender {default}", recommender_with(default)),
            ("  co-purchase only", recommender_with(replace(default, content=0.0, popularity=0.0))),
            ("  content only", recommender_with(replace(default, copurchase=0.0, popularity=0.0))),
            ("  co-purchase + popularity", recommender_with(replace(default, content=0.0))),
        ]
        for title, cases in (
            ("Leave-last-purchase-out (history + cart -> last item)", item_cases),
            ("Stricter: hold out the whole last order (history -> any item of it)", order_cases),
        ):
            print(f"\n{title}, n={len(cases)}")
            base_hit, base_ndcg = evaluate(cases, baseline)
            for name, system in systems:
                hit, ndcg = (base_hit, base_ndcg) if system is baseline else evaluate(cases, system)
                lift = f"  ({(hit / base_hit - 1) * 100:+.0f} % / {(ndcg / base_ndcg - 1) * 100:+.0f} % vs popularity)"
                print(f"  {name:<62} HitRate@10 {hit:.3f}   NDCG@10 {ndcg:.3f}{'' if system is baseline else lift}")


if __name__ == "__main__":
    main()
