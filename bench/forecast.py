"""Benchmark of the forecasting job and backtest of its models on the demo shop.

Run: `.venv/bin/python bench/forecast.py` or `.venv/bin/python -m bench.forecast` (add `--compare-sparse`
to score each sparse-seller model alone against the per-series choice).

The demo history is generated relative to today, so the official figure (last 28 days held out)
moves from day to day with where the holdout falls in the demo's year; `--origins N` repeats the
backtest with the holdout moved back 28 days at a time, on the same data, to show that spread.

It starts its own embedded database in a temporary folder, so it never touches var/. Only the
collections forecasting reads (products, inventory, orders) are inserted from `build_demo_shop`:
customers, reviews and images do not change the job, and skipping them keeps the 2,000-product
setup short on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from pymongo.database import Database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # also runnable as `python bench/forecast.py`

from app.embedded_mongo import EmbeddedMongo
from demo.seed import build_demo_shop
from shop.core.db import connect, database, ensure_indexes
from shop.inventory.forecasting.backtest import BACKTEST_HOLDOUT_DAYS, backtest
from shop.inventory.forecasting.forecast import LEVELS
from shop.inventory.forecasting.models import FIT_DAYS, fit_all
from shop.inventory.forecasting.stored_forecasts import refresh_inventory_forecasts

SPARSE_CANDIDATES = ("CrostonOptimized", "CrostonSBA", "ADIDA", "IMAPA", "TSB", "AutoETS(A,N,A)")


def seed(db: Database, n_products: int, now: datetime) -> dict[str, int]:
    """Insert the demo's products, inventory and orders (what forecasting reads)."""
    shop = build_demo_shop(n_products=n_products, now=now)
    counts = {}
    for name, docs in (
        ("products", shop.products),
        ("inventory", shop.inventory),
        ("orders", shop.orders),
    ):
        for offset in range(0, len(docs), 1000):
            db[name].insert_many(docs[offset : offset + 1000], ordered=False)
        counts[name] = len(docs)
    return counts


def say(message: str) -> None:
    print(f"  {message}", flush=True)


def print_table(report: dict[str, Any]) -> None:
    print(
        f"  holdout {report['holdout_days']} days from {report['cutoff']}; "
        f"sparse sellers: best of {', '.join(report['sparse_models'])} per series"
    )
    print(
        f"  {'class':<10} {'series':>6} {'MASE model':>11} {'MASE snaive':>12} {'model better':>13} "
        f"{'WAPE total':>11} {'(snaive)':>9}  models"
    )
    rows = [*report["classes"].items(), ("overall", report["overall"])]
    for name, row in rows:
        if not row["series"]:
            continue
        models = ", ".join(f"{k} {v}" for k, v in sorted(row["models"].items()))
        print(
            f"  {name:<10} {row['series']:>6} {row['mase']:>11.3f} {row['mase_seasonal_naive']:>12.3f} "
            f"{row['share_better']:>13.0%} {row['wape_total']:>11.3f} {row['wape_total_seasonal_naive']:>9.3f}  "
            f"{models}"
        )


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_origins(db: Database, now: datetime, holdout: int, origins: int) -> None:
    """The overall figure at earlier cutoffs: how much of a single holdout's score is where it falls."""
    print(f"Rolling origin: the same backtest with the holdout moved back {holdout} days at a time:")
    print(f"  {'cutoff':<10} {'MASE model':>11} {'MASE snaive':>12} {'sparse':>7} {'regular':>8} {'WAPE total':>11}")
    scores = []
    for k in range(origins):
        report = backtest(db, holdout_days=holdout, now=now - timedelta(days=k * holdout))
        overall, classes = report["overall"], report["classes"]
        scores.append((overall["mase"], overall["mase_seasonal_naive"]))
        sparse, regular = (classes.get(c, {}).get("mase") for c in ("sparse", "regular"))
        print(
            f"  {report['cutoff']:<10} {overall['mase']:>11.3f} {overall['mase_seasonal_naive']:>12.3f} "
            f"{_score(sparse):>7} {_score(regular):>8} {overall['wape_total']:>11.3f}"
        )
    model, naive = np.mean(scores, axis=0)
    print(f"  {'mean':<10} {model:>11.3f} {naive:>12.3f}")


def time_all_regular(n_series: int, days: int = FIT_DAYS) -> float:
    """Worst case for the job: every product a daily seller, so every series gets the ETS fit."""
    rng = np.random.default_rng(0)
    week = np.array([0.86, 0.84, 0.9, 0.95, 1.06, 1.36, 1.24])
    series = {str(i): rng.poisson(rng.uniform(1.5, 20) * np.resize(week, days)).astype(float) for i in range(n_series)}
    started = time.monotonic()
    fit_all(series, datetime.now(UTC).date(), 44, LEVELS)
    return time.monotonic() - started


def run(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000, help="catalog size for the job timing")
    parser.add_argument("--demo-products", type=int, default=160, help="catalog size for the backtest")
    parser.add_argument("--holdout", type=int, default=BACKTEST_HOLDOUT_DAYS)
    parser.add_argument("--skip-job", action="store_true")
    parser.add_argument("--compare-sparse", action="store_true", help="backtest each sparse-seller model alone")
    parser.add_argument(
        "--origins", type=int, default=1, metavar="N", help="also backtest N-1 earlier 28-day holdouts (rolling origin)"
    )
    parser.add_argument(
        "--all-regular", type=int, default=0, metavar="N", help="also time the model fit of N daily-selling series"
    )
    args = parser.parse_args(argv)
    now = datetime.now(UTC)

    with tempfile.TemporaryDirectory(prefix="forecast-bench-") as tmp, EmbeddedMongo(Path(tmp) / "db") as server:
        client = connect(server.uri)
        try:
            if not args.skip_job:
                db = database(client, "bench_job")
                ensure_indexes(db)
                started = time.monotonic()
                counts = seed(db, args.products, now)
                print(f"Seeded {counts} in {time.monotonic() - started:.1f} s")
                print(f"Forecast job for {args.products} products (n_jobs=1):")
                summary = refresh_inventory_forecasts(db, now=now, progress=say)
                print(
                    f"  => job {summary.duration_seconds:.1f} s (forecast {summary.forecast_seconds:.1f} s), "
                    f"{summary.alerts} restock alerts; classes {summary.by_class}"
                )
            if args.all_regular:
                seconds = time_all_regular(args.all_regular)
                print(f"Model fit alone for {args.all_regular} synthetic daily sellers (all ETS): {seconds:.1f} s")

            db = database(client, "bench_backtest")
            ensure_indexes(db)
            counts = seed(db, args.demo_products, now)
            print(f"Backtest on the {args.demo_products}-product demo ({counts['orders']} orders):")
            started = time.monotonic()
            print_table(backtest(db, holdout_days=args.holdout, now=now, progress=say))
            print(f"  ({time.monotonic() - started:.1f} s)")
            if args.compare_sparse:
                print("Sparse-seller models alone (the job chooses per series among forecasting.models.SPARSE_MODELS):")
                for name in SPARSE_CANDIDATES:
                    report = backtest(db, holdout_days=args.holdout, now=now, sparse_models=[name])
                    row = report["classes"].get("sparse", {})
                    overall = report["overall"]
                    print(
                        f"  {name:<17} sparse MASE {row.get('mase')} (snaive {row.get('mase_seasonal_naive')}), "
                        f"WAPE total {row.get('wape_total')}; overall {overall['mase']}"
                    )
            if args.origins > 1:
                print_origins(db, now, args.holdout, args.origins)
        finally:
            client.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
